import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cleanUp,
  containerGone,
  containersAfter,
  contextWith,
  DOCKER_TEST_TIMEOUT_MS,
  dockerBuild,
  escaped,
  hasDocker,
  imageExists,
  removeBuildLeftovers,
  stageSampleEnv,
  uniqueTag,
  writeRows,
} from './support/docker.js';
import { runHud } from './support/run-hud.js';

// Faults a user meets with Docker, each a clear error naming its cause, and no container left behind:
// a CMD that exits at once, a CMD that never serves (hud debug names phase 3), a failing build.

/** Scratch directories to remove at the end. */
const dirs: string[] = [];
const EXITS = uniqueTag('exits-early');
const SILENT = uniqueTag('never-serves');
const DEBUG_TAG = uniqueTag('sample-env-debug');
const BAD_TAG = uniqueTag('bad-build');

const row = { env: 'sample-env', id: 'count_items', slug: 'aisle-a', args: { aisle: 'a' } };

describe.skipIf(!hasDocker)('Docker faults (real engine)', () => {
  beforeAll(async () => {
    const exits = contextWith('exits', {
      Dockerfile: `ARG BASE\nFROM \${BASE}\nCMD ["node", "-e", "console.error('boom: no environment in this image'); process.exit(3)"]\n`,
    });
    const silent = contextWith('silent', {
      Dockerfile: `ARG BASE\nFROM \${BASE}\nCMD ["node", "-e", "console.log('busy doing something else'); setInterval(() => {}, 1e9)"]\n`,
    });
    dirs.push(exits, silent);
    await dockerBuild(exits, EXITS);
    await dockerBuild(silent, SILENT);
  }, 180_000);

  afterAll(() => cleanUp(dirs, [EXITS, SILENT, DEBUG_TAG, BAD_TAG]));

  it(
    'a container that exits early fails its run with the exit status and its logs',
    async () => {
      const dir = contextWith('rows-exits', {});
      dirs.push(dir);
      const rows = writeRows(dir, [row]);
      const run = await runHud(
        [
          'eval',
          '--no-reap',
          rows,
          'oracle',
          '--runtime',
          `docker:${EXITS}`,
          '--json',
          '--store',
          path.join(dir, 'store'),
        ],
        { timeoutMs: 60_000 },
      );
      expect(run.code).toBe(1);
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
      const error: string = summary.failures?.[0]?.error ?? '';
      expect(error).toMatch(
        new RegExp(
          `^\\[provisioning\\] container [0-9a-f]{12} of '${escaped(EXITS)}' exited with status 3 before its control port answered`,
        ),
      );
      expect(error).toContain('boom: no environment in this image');
      expect(await containersAfter({ 'hud.job': summary.job_id })).toEqual([]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'hud debug reports phase 3 for an image whose CMD does not serve, with its logs',
    async () => {
      const run = await runHud(['debug', SILENT, '--ready-timeout', '3'], { timeoutMs: 60_000 });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`^✓ 1 image +image ${escaped(SILENT)} found$`, 'm'));
      expect(run.stdout).toMatch(
        /^✓ 2 container +container [0-9a-f]{12} running, control port tcp:\/\/127\.0\.0\.1:\d+$/m,
      );
      expect(run.stdout).toMatch(
        new RegExp(
          `^✗ 3 control port +container [0-9a-f]{12} of '${escaped(SILENT)}' did not answer hello on port 8765 within 3 s`,
          'm',
        ),
      );
      expect(run.stdout).toContain('busy doing something else');
      expect(run.stdout).not.toMatch(/^. 4 /m);
      const id = /container ([0-9a-f]{12}) running/.exec(run.stdout)?.[1] ?? '';
      expect(id).not.toBe('');
      expect(await containerGone(id)).toBe(true);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'hud debug reports phase 2 or 3 for a CMD that exits, and phase 1 for a missing image',
    async () => {
      const exits = await runHud(['debug', EXITS], { timeoutMs: 60_000 });
      expect(exits.code).toBe(1);
      expect(exits.stdout).toMatch(/^✗ [23] (container|control port) .*exited/m);
      expect(exits.stdout).toContain('boom: no environment in this image');
      const missing = await runHud(['debug', 'hud-e2e/not-built:1'], { timeoutMs: 60_000 });
      expect(missing.code).toBe(1);
      expect(missing.stdout).toMatch(
        /^✗ 1 image +image 'hud-e2e\/not-built:1' not found locally: build it with hud build/m,
      );
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'hud debug <dir> builds the sample env and passes every phase',
    async () => {
      const project = stageSampleEnv('debug', dirs);
      const run = await runHud(
        ['debug', project, '--tag', DEBUG_TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
        {
          timeoutMs: 180_000,
        },
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      for (const phase of [1, 2, 3, 4, 5, 6])
        expect(run.stdout).toMatch(new RegExp(`^✓ ${phase} `, 'm'));
      expect(run.stdout).toMatch(/✓ shell \(ssh\/2\): bytes flow: "SSH-2\.0-/);
      expect(run.stdout).toMatch(/✓ tools \(mcp\/[\d-]+\): bytes flow: "HTTP\/1\.1 /);
      expect(run.stdout).toMatch(
        /✓ 6 task start\/cancel +started 'count_items' .* and cancelled it/,
      );
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'a failing build fails loudly naming the step, and tags nothing',
    async () => {
      const project = stageSampleEnv('badbuild', dirs);
      const tag = BAD_TAG;
      writeFileSync(
        path.join(project, 'Dockerfile.hud'),
        `ARG BASE\nFROM \${BASE}\nCOPY .hud/build/ /app/\nRUN echo "checking the bundle" && test -f /app/missing.mjs\nCMD ["node", "/app/server.mjs"]\n`,
      );
      const run = await runHud(
        ['build', project, '--tag', tag, '--build-arg', `BASE=${BASE_IMAGE}`, '--verbose'],
        {
          timeoutMs: 180_000,
        },
      );
      await removeBuildLeftovers(run.stderr);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `hud: docker build of ${escaped(BAD_TAG)} failed at Step 4/\\d+ : RUN echo "checking the bundle" && test -f /app/missing\\.mjs: The command .* returned a non-zero code: 1`,
        ),
      );
      expect(run.stderr).toContain('checking the bundle');
      expect(await imageExists(tag)).toBe(false);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );
});
