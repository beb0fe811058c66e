// Shared set-up of the suites over the fake API server: the echo image built on the offline base, a fake
// API server per test (Docker-backed pods), and a KubeConfig of the official client pointing at it.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskRow } from '@hud/protocol';
import { FakeKubeApiServer, type FakeKubeFaults } from '@hud/testing/kubernetes';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll } from 'vitest';

/** The offline base image scripts/docker-setup.sh builds (a stand-in for node:24-slim). */
const BASE_IMAGE = process.env.HUD_DOCKER_BASE ?? 'hud-test/bookworm-node:24';
export const ECHO_IMAGE = 'hud-test/echo-env:latest';

const inCi = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const engine = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
  encoding: 'utf8',
  timeout: 10_000,
});
/** Whether a Docker engine answers (the fake's pods are containers). */
export const hasDocker = engine.status === 0;
if (!hasDocker) {
  if (inCi) throw new Error(`CI=true but no Docker engine answers: ${engine.stderr}`);
  console.warn(`skipping the fake-cluster tests: no Docker engine (${engine.stderr.trim()})`);
}

/** The echo environment's task row, with `overrides`. */
export const task = (overrides: Partial<TaskRow> = {}): TaskRow => ({
  env: 'echo',
  id: 'echo',
  slug: 'echo-task',
  args: {},
  ...overrides,
});

/** A KubeConfig of the official client for `fake` (from its generated kubeconfig text). */
export function kubeConfigOf(fake: FakeKubeApiServer): KubeConfig {
  const config = new KubeConfig();
  config.loadFromString(fake.kubeconfig());
  return config;
}

/** What {@link fakeCluster} gives a describe block. */
export interface FakeCluster {
  /** Starts a fake API server (closed after the test), with `faults`. */
  start(faults?: FakeKubeFaults): Promise<FakeKubeApiServer>;
  /** A fresh job id. */
  newJob(): string;
}

/** Call inside a describe block: builds the echo image before it, closes each test's fake after it. */
export function fakeCluster(): FakeCluster {
  const started: FakeKubeApiServer[] = [];
  beforeAll(() => {
    execFileSync(
      'docker',
      [
        'build',
        '-q',
        '-t',
        ECHO_IMAGE,
        '--build-arg',
        `BASE=${BASE_IMAGE}`,
        path.join(path.dirname(fileURLToPath(import.meta.url)), 'echo-env'),
      ],
      { stdio: 'pipe' },
    );
  }, 180_000);
  afterEach(async () => {
    for (const fake of started.splice(0)) await fake.close();
  });
  return {
    async start(faults = {}) {
      const fake = await FakeKubeApiServer.start({ faults, namespace: 'hud-test' });
      started.push(fake);
      return fake;
    },
    newJob: () => `test-${randomUUID()}`,
  };
}
