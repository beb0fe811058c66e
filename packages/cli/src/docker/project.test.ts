import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePairs } from '../eval/flag-values.js';
import { chooseProvider } from '../eval/provider-choice.js';
import {
  DEFAULT_DOCKERFILE,
  defaultDockerfile,
  findRecipe,
  imageNameFor,
  recordedImage,
  recordImage,
} from './project.js';

const root = mkdtempSync(path.join(tmpdir(), 'hud-cli-docker-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(name: string, files: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

describe('hud build project files', () => {
  it('names images after environments, as Docker allows', () => {
    expect(imageNameFor('letter-count')).toBe('letter-count');
    expect(imageNameFor('My Env_2')).toBe('my-env_2');
    expect(imageNameFor('--')).toBe('hud-environment');
  });

  it('prefers Dockerfile.hud, then Dockerfile', () => {
    expect(findRecipe(project('both', { 'Dockerfile.hud': '', Dockerfile: '' }))).toBe(
      'Dockerfile.hud',
    );
    expect(findRecipe(project('plain', { Dockerfile: '' }))).toBe('Dockerfile');
    expect(findRecipe(project('none'))).toBeUndefined();
  });

  it('generates a Dockerfile that only copies the bundle onto a Node base', () => {
    const text = defaultDockerfile();
    expect(text).toContain(`ARG BASE=node:24-slim\nFROM \${BASE}`);
    expect(text).toContain('COPY .hud/build/ /app/');
    expect(text).toContain('CMD ["node", "/app/server.mjs"]');
    expect(text).not.toMatch(/^RUN /m);
    expect(DEFAULT_DOCKERFILE).toBe(path.join('.hud', 'build', 'Dockerfile'));
  });

  it('records images in .hud/config.json, keeping its other keys', () => {
    const dir = project('config');
    mkdirSync(path.join(dir, '.hud'));
    writeFileSync(
      path.join(dir, '.hud/config.json'),
      '{"registryId": "r-1", "images": {"a": "a:1"}}',
    );
    recordImage(dir, 'b', 'b:latest');
    expect(JSON.parse(readFileSync(path.join(dir, '.hud/config.json'), 'utf8'))).toEqual({
      registryId: 'r-1',
      images: { a: 'a:1', b: 'b:latest' },
    });
  });

  it('finds the recorded image from a tasks file in the project or below it', () => {
    const dir = project('lookup', { 'tasks.ts': '' });
    mkdirSync(path.join(dir, 'more'));
    recordImage(dir, 'env-x', 'env-x:latest');
    expect(recordedImage('env-x', path.join(dir, 'tasks.ts'))?.tag).toBe('env-x:latest');
    expect(recordedImage('env-x', path.join(dir, 'more'))?.tag).toBe('env-x:latest');
    expect(recordedImage('other', path.join(dir, 'tasks.ts'))).toBeUndefined();
  });

  it('parses --build-arg pairs and names a malformed one', () => {
    expect(parsePairs(['BASE=node:24-slim', 'X=a=b'], '--build-arg')).toEqual({
      BASE: 'node:24-slim',
      X: 'a=b',
    });
    expect(() => parsePairs(['BASE'], '--build-arg')).toThrow(
      "--build-arg takes KEY=VALUE, got 'BASE'",
    );
  });
});

describe('--runtime docker', () => {
  const rows = (image?: string) => [
    { env: 'env-x', id: 't', slug: 'plain', args: {} },
    { env: 'env-x', id: 't', slug: 'boxed', args: {}, runtime_config: image ? { image } : null },
  ];

  it('docker:<image> forces one image; docker labels the images per environment', async () => {
    const dir = project('choice', { 'tasks.ts': '' });
    recordImage(dir, 'env-x', 'env-x:latest');
    const source = path.join(dir, 'tasks.ts');
    const forced = await chooseProvider({ runtime: 'docker:img:1', source, prewarm: 1 });
    expect(forced).toMatchObject({ label: 'docker (img:1)', reapOrphans: expect.any(Function) });
    await forced.close();
    const recorded = await chooseProvider({
      runtime: 'docker',
      source,
      prewarm: 1,
      tasks: rows(),
    });
    expect(recorded.label).toBe('docker (env-x:latest)');
    await recorded.close();
    await expect(chooseProvider({ runtime: 'docker:', source, prewarm: 1 })).rejects.toThrow(
      '--runtime docker:<image> needs an image name',
    );
  });

  it('local sends rows with runtime_config.image to Docker and the rest to child processes', async () => {
    const source = path.join(project('mixed', { 'tasks.ts': '' }), 'tasks.ts');
    const mixed = await chooseProvider({
      runtime: 'local',
      source,
      prewarm: 1,
      tasks: rows('img:2'),
    });
    expect(mixed).toMatchObject({
      label: 'local + docker for the 1 row(s) with runtime_config.image',
      reapOrphans: expect.any(Function),
    });
    await mixed.close();
    const plain = await chooseProvider({
      runtime: 'local',
      source: path.join(process.cwd(), '../../examples/letter-count/tasks.ts'),
      prewarm: 1,
      tasks: rows(),
    });
    expect(plain.reapOrphans).toBeUndefined();
    await plain.close();
  });
});
