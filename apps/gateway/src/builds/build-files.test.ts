import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BuildFiles } from './build-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hud-build-files-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function* chunks(...parts: Buffer[]) {
  yield* parts;
}

const gzipHead = () => Buffer.from([0x1f, 0x8b, 8, 0]);

it('keeps a context only once it is whole, and nothing of one over the limit', async () => {
  const files = new BuildFiles(dir);
  expect(await files.saveContext('a', chunks(gzipHead(), Buffer.alloc(10)), 100)).toBe(14);
  expect(existsSync(files.context('a'))).toBe(true);
  // A body without a length (chunked) past the limit: refused while it streams.
  await expect(
    files.saveContext('b', chunks(gzipHead(), Buffer.alloc(60), Buffer.alloc(60)), 100),
  ).rejects.toMatchObject({ code: 'payload_too_large' });
  expect(readdirSync(path.join(dir, 'b'))).toEqual([]);
  await expect(
    files.saveContext('c', chunks(Buffer.from('plain text')), 100),
  ).rejects.toMatchObject({
    code: 'invalid_request',
    message: expect.stringMatching(/gzip-compressed tar/),
  });
  expect(readdirSync(path.join(dir, 'c'))).toEqual([]);
});

it('appends log lines and reads them back', async () => {
  const files = new BuildFiles(dir);
  expect(await files.readLog('x')).toEqual([]);
  const log = await files.openLog('x');
  log.write('#1 first');
  log.write('#1 DONE');
  await log.close();
  expect(await files.readLog('x')).toEqual(['#1 first', '#1 DONE']);
});
