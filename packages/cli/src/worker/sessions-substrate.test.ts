import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HudClient } from '@hud/protocol';
import { buildImage, dockerAvailable, listManagedContainers } from '@hud/runtimes-docker';
import { afterAll, describe, expect, it } from 'vitest';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { sessionSubstrates } from './sessions-substrate.js';

const LETTER_COUNT = fileURLToPath(new URL('../../../../examples/letter-count/', import.meta.url));
// The dependency-free echo environment of the Docker runtime's own tests, on the offline base image.
const ECHO_ENV = fileURLToPath(
  new URL('../../../runtimes-docker/src/__fixtures__/echo-env/', import.meta.url),
);
const BASE_IMAGE = process.env.HUD_DOCKER_BASE ?? 'hud-test/bookworm-node:24';
const engine = await dockerAvailable();
const inCi = ['true', '1'].includes(String(process.env.CI).toLowerCase());
const empty = mkdtempSync(path.join(tmpdir(), 'hud-sessions-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('sessionSubstrates (the worker side of --runtime hud)', () => {
  it('local: serves the env file of the directory declaring the environment, until released', async () => {
    const substrates = await sessionSubstrates({
      runtime: 'local',
      cwd: LETTER_COUNT,
      fallbacks: hudModuleFallbacks(),
    });
    try {
      const signal = new AbortController().signal;
      const lease = await substrates.start('s1', { name: 'letter-count', image: null }, signal);
      expect(lease.url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      {
        await using client = await HudClient.connect(lease);
        expect(client.manifest?.env.name).toBe('letter-count');
      }
      await lease[Symbol.asyncDispose]();
      await expect(HudClient.connect(lease, { readyTimeoutMs: 200 })).rejects.toThrow();
    } finally {
      await substrates.close();
    }
  });

  it('local: an environment no env file here declares is refused, naming the directory', async () => {
    const substrates = await sessionSubstrates({
      runtime: 'local',
      cwd: empty,
      fallbacks: hudModuleFallbacks(),
    });
    await expect(
      substrates.start('s2', { name: 'letter-count', image: null }, new AbortController().signal),
    ).rejects.toThrow(
      `no env file in ${empty} (or its subfolders) declares environment 'letter-count'`,
    );
    await substrates.close();
  });

  it('docker: an environment never deployed (no image) is refused before any container', async () => {
    const substrates = await sessionSubstrates({
      runtime: 'docker',
      cwd: empty,
      fallbacks: hudModuleFallbacks(),
    });
    await expect(
      substrates.start('s3', { name: 'sample', image: null }, new AbortController().signal),
    ).rejects.toThrow("environment 'sample' has no deployed image (never deployed)");
    await substrates.close();
  });

  it.skipIf(!engine.ok && !inCi)(
    "docker: runs the session's image, serves it until released, then removes the container",
    async () => {
      const image = 'hud-test/echo-env:latest';
      await buildImage({ context: ECHO_ENV, tags: [image], buildArgs: { BASE: BASE_IMAGE } });
      const substrates = await sessionSubstrates({
        runtime: 'docker',
        cwd: empty,
        fallbacks: hudModuleFallbacks(),
      });
      const id = `s4-${process.pid}`;
      try {
        const signal = new AbortController().signal;
        const lease = await substrates.start(id, { name: 'echo', image }, signal);
        expect(await listManagedContainers({ job: `session-${id}` })).toHaveLength(1);
        {
          await using client = await HudClient.connect(lease);
          expect(client.manifest?.env.name).toBe('echo');
        }
        await lease[Symbol.asyncDispose]();
        expect(await listManagedContainers({ job: `session-${id}` })).toEqual([]);
      } finally {
        await substrates.close();
      }
    },
    180_000,
  );
});
