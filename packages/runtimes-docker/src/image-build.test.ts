import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, hasDocker } from './__fixtures__/docker-gate.js';
import { failure } from './__fixtures__/rejection.js';
import { buildImage, contextFilter, imageExists } from './index.js';

const docker = new Docker();
// Unique per process: another test run on the same engine must not remove this run's images.
const unique = (name: string) =>
  `hud-test/${name}:${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
const dirs: string[] = [];
const tags: string[] = [];

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-build-test-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const tag of tags)
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => {});
});

/** Checks which paths `excluded` leaves out of the build context and which it keeps (all at once). */
function expectContext(
  excluded: (relative: string) => boolean,
  expected: { excluded: string[]; kept: string[] },
): void {
  const paths = [...expected.excluded, ...expected.kept];
  expect({
    excluded: paths.filter((relative) => excluded(relative)),
    kept: paths.filter((relative) => !excluded(relative)),
  }).toEqual(expected);
}

describe('contextFilter', () => {
  it('leaves out .git, node_modules and .dockerignore matches, with ! exceptions', () => {
    const dir = context({ '.dockerignore': '# comment\n*.log\nsecrets/\n!keep.log\n' });
    expectContext(
      contextFilter(dir, (relative) => relative === 'extra'),
      {
        excluded: ['node_modules/zod/index.js', '.git/HEAD', 'debug.log', 'secrets/key', 'extra'],
        kept: ['keep.log', 'env.ts', 'Dockerfile'],
      },
    );
  });

  it('keeps the Dockerfile and folders holding exceptions, as docker build does', () => {
    const dir = context({ '.dockerignore': '*\n!.hud/build\n' });
    expectContext(contextFilter(dir, undefined, 'Dockerfile.hud'), {
      excluded: ['.hud/config.json', 'env.ts'],
      kept: ['Dockerfile.hud', '.dockerignore', '.hud', '.hud/build', '.hud/build/server.mjs'],
    });
  });
});

describe.skipIf(!hasDocker)('buildImage (real engine)', () => {
  it('builds, streams progress lines and honours .dockerignore', async () => {
    const tag = unique('build-ok');
    tags.push(tag);
    const dir = context({
      'Dockerfile.hud':
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not JavaScript
        'ARG BASE\nFROM ${BASE}\nCOPY . /ctx/\nRUN test -f /ctx/kept && test ! -e /ctx/dropped\n',
      kept: 'yes',
      dropped: 'no',
      '.dockerignore': 'dropped\n',
    });
    const lines: string[] = [];
    const built = await buildImage({
      context: dir,
      dockerfile: 'Dockerfile.hud',
      tags: [tag],
      buildArgs: { BASE: BASE_IMAGE },
      onProgress: (line) => lines.push(line),
    });
    expect(built.id).toMatch(/^sha256:/);
    expect(lines.some((line) => /^Step 1\/\d+ : ARG BASE/.test(line))).toBe(true);
    expect(await imageExists(tag)).toBe(true);
    expect((await docker.getImage(tag).inspect()).Config.Labels).toMatchObject({
      'hud.managed': '1',
    });
  });

  it('fails loudly naming the failing step and the engine message', async () => {
    const dir = context({
      Dockerfile: `FROM ${BASE_IMAGE}\nRUN echo about to fail\nRUN echo step three && exit 7\nRUN echo never\n`,
    });
    const tag = unique('build-fail');
    const error = await failure(buildImage({ context: dir, tags: [tag] }));
    // The steps that succeeded stay as untagged cache images: remove them (never a tagged one: the base).
    for (const [, id] of error.output.matchAll(/---> ([0-9a-f]{12})\s*$/gm)) {
      const image = docker.getImage(id as string);
      // Shared with another build as its cache (a child image): then it stays.
      if ((await image.inspect()).RepoTags?.length === 0) await image.remove().catch(() => {});
    }
    expect(error.code).toBe('build_failed');
    expect(error.message).toMatch(/failed at Step 3\/\d+ : RUN echo step three && exit 7/);
    expect(error.message).toMatch(/returned a non-zero code: 7/);
    expect(error.output).toContain('step three');
    expect(await imageExists(tag)).toBe(false);
  });

  it('explains an unavailable base image', async () => {
    const dir = context({ Dockerfile: 'FROM hud-test/no-such-base:1\n' });
    const error = await failure(buildImage({ context: dir, tags: [unique('build-nobase')] }));
    expect(error.code).toBe('build_failed');
    expect(error.message).toMatch(/Step 1\/\d+ : FROM hud-test\/no-such-base:1/);
    expect(error.message).toMatch(/scripts\/docker-setup\.sh|--build-arg BASE/);
  });

  it('says when the Dockerfile is missing', async () => {
    const error = await failure(buildImage({ context: context({ 'a.txt': '' }), tags: ['x:y'] }));
    expect(error.code).toBe('build_failed');
    expect(error.message).toMatch(/no Dockerfile in/);
  });
});
