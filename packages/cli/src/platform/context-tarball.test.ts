import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { afterEach, expect, it } from 'vitest';
import { contextTarball } from './context-tarball.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-context-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The entry names of a gzip tar (folders end with `/`). */
async function entries(tarball: Buffer): Promise<string[]> {
  const names: string[] = [];
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    names.push(header.type === 'directory' ? `${header.name}/` : header.name);
    stream.on('end', next);
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    tar.on('finish', () => resolve());
    tar.on('error', reject);
    Readable.from(tarball).pipe(createGunzip()).pipe(tar);
  });
  // The root folder itself (`.`) is left out of the comparison.
  return names
    .map((name) => name.replace(/\/+$/, '/'))
    .filter((name) => name !== './')
    .sort();
}

it('respects .dockerignore with exceptions and always sends the Dockerfile', async () => {
  const dir = project({
    '.dockerignore': '# only the bundle\n*\n!.hud/build\n',
    Dockerfile: 'FROM x\n',
    'env.ts': 'secret sources',
    '.hud/build/server.mjs': 'bundle',
    '.hud/config.json': '{}',
    'node_modules/x/index.js': '',
  });
  expect(await entries(await contextTarball(dir, { dockerfile: 'Dockerfile' }))).toEqual([
    '.dockerignore',
    '.hud/',
    '.hud/build/',
    '.hud/build/server.mjs',
    'Dockerfile',
  ]);
});

it('without .dockerignore sends everything but VCS, packages, caches and .hud state', async () => {
  const dir = project({
    'Dockerfile.hud': 'FROM x\n',
    'env.ts': 'env',
    'src/a.ts': 'a',
    '.git/HEAD': 'ref',
    'node_modules/x/index.js': '',
    '__pycache__/m.pyc': '',
    '.hud/config.json': '{}',
    'logs/x.log': 'log',
  });
  writeFileSync(path.join(dir, '.dockerignore'), 'logs/*.log\n');
  mkdirSync(path.join(dir, 'empty'));
  expect(await entries(await contextTarball(dir, { dockerfile: 'Dockerfile.hud' }))).toEqual([
    '.dockerignore',
    '.hud/',
    'Dockerfile.hud',
    'empty/',
    'env.ts',
    'logs/',
    'src/',
    'src/a.ts',
  ]);
});
