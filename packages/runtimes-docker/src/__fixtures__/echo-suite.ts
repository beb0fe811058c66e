// Shared set-up of the real-engine suites over the echo image: the engine, the echo task row, a job per
// test, and the cleanup that removes every container of those jobs whatever failed.
import { randomUUID } from 'node:crypto';
import type { TaskRow } from '@hud/protocol';
import Docker from 'dockerode';
import { afterAll, beforeAll } from 'vitest';
import { listManagedContainers } from '../index.js';
import { buildEchoImage } from './docker-gate.js';

/** The engine the tests talk to (DOCKER_HOST, else the default socket). */
export const docker = new Docker();

/** The echo environment's task row, with `overrides`. */
export const task = (overrides: Partial<TaskRow> = {}): TaskRow => ({
  env: 'echo',
  id: 'echo',
  slug: 'echo-task',
  args: {},
  ...overrides,
});

/** The hud-managed containers labelled with `job`. */
export const containersOf = async (job: string) => listManagedContainers({ docker, job });

/** What {@link echoSuite} gives a describe block. */
export interface EchoSuite {
  /** The echo image's tag (set before the first test). */
  image: string;
  /** A fresh job id whose containers are removed after the suite. */
  newJob(): string;
}

/** Call inside a describe block: builds the echo image before it, removes its jobs' containers after it. */
export function echoSuite(): EchoSuite {
  const jobs: string[] = [];
  const suite: EchoSuite = {
    image: '',
    newJob: () => {
      const job = `test-${randomUUID()}`;
      jobs.push(job);
      return job;
    },
  };
  beforeAll(async () => {
    suite.image = await buildEchoImage();
  }, 120_000);
  afterAll(async () => {
    // Nothing a test created may outlive the file, whatever failed.
    for (const job of jobs) {
      for (const container of await containersOf(job)) {
        await docker.getContainer(container.id).remove({ force: true });
      }
    }
  });
  return suite;
}
