import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFile, dockerSkip, TEST_BASE } from '../testing/build-fixtures.js';
import { BuildFailure, buildContext, findRecipe } from './engine-build.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const docker = new Docker();
const skip = await dockerSkip(docker);
let dir: string;
const tags: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hud-engine-build-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  for (const tag of tags)
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => {});
});

// Deadlines, not timing claims: real builds on 2 shared cores.
describe.skipIf(skip)('buildContext (the real engine, BuildKit)', { timeout: 300_000 }, () => {
  it('serves a secret to a RUN --mount=type=secret step and keeps it out of the image', async () => {
    const file = await contextFile(dir, 'secret', {
      Dockerfile: `FROM ${TEST_BASE}
RUN --mount=type=secret,id=tok test "$(sha256sum < /run/secrets/tok | cut -c1-64)" = "${sha256('s3cr3t-value-42')}" && echo secret-seen-ok
RUN echo "label" > /built.txt
`,
    });
    const lines: string[] = [];
    const tag = `hud-gateway-test/secret:${Date.now()}`;
    tags.push(tag);
    const id = await buildContext({
      docker,
      contextFile: file,
      tag,
      buildArgs: {},
      noCache: true,
      secrets: { tok: 's3cr3t-value-42' },
      onLine: (line) => lines.push(line),
    });
    expect(id).toMatch(/^sha256:/);
    expect(lines.join('\n')).toContain('secret-seen-ok');
    expect(lines.join('\n')).not.toContain('s3cr3t-value-42');
    const history = await docker.getImage(tag).history();
    expect(JSON.stringify(history)).not.toContain('s3cr3t-value-42');
    const inspect = await docker.getImage(tag).inspect();
    expect(JSON.stringify(inspect)).not.toContain('s3cr3t-value-42');
  });

  it('a failing step rejects naming it, with its output streamed before', async () => {
    const file = await contextFile(dir, 'fails', {
      'Dockerfile.hud': `FROM ${TEST_BASE}\nRUN echo step-output-before-failure && exit 3\n`,
      Dockerfile: 'FROM scratch-not-used\n',
    });
    const lines: string[] = [];
    const failure = await buildContext({
      docker,
      contextFile: file,
      tag: `hud-gateway-test/fails:${Date.now()}`,
      buildArgs: {},
      noCache: false,
      secrets: {},
      onLine: (line) => lines.push(line),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BuildFailure);
    expect((failure as Error).message).toMatch(/exit code: 3/);
    const text = lines.join('\n');
    expect(text).toContain('RUN echo step-output-before-failure && exit 3');
    expect(text).toMatch(/#\d+ step-output-before-failure/);
    expect(text).toMatch(/#\d+ ERROR: .*exit code: 3/);
  });
});

it('findRecipe prefers Dockerfile.hud and refuses a context without a Dockerfile', async () => {
  const local = await mkdtemp(path.join(tmpdir(), 'hud-recipe-'));
  try {
    expect(
      await findRecipe(
        await contextFile(local, 'both', { Dockerfile: 'x', 'Dockerfile.hud': 'y' }),
      ),
    ).toBe('Dockerfile.hud');
    await expect(
      findRecipe(await contextFile(local, 'none', { 'README.md': 'x' })),
    ).rejects.toThrow(/no Dockerfile.hud or Dockerfile/);
  } finally {
    await rm(local, { recursive: true, force: true });
  }
});
