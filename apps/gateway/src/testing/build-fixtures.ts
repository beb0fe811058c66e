// Test helpers for builds: gzip tar contexts and whether the Docker engine is there.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';

/** A local base image every test machine has (no pull: the tests run offline). */
export const TEST_BASE = process.env.HUD_TEST_BASE_IMAGE ?? 'ubuntu:22.04';

/** Why Docker tests skip ('' when the engine answers and has {@link TEST_BASE}). */
export async function dockerSkip(docker: Docker): Promise<string> {
  try {
    await docker.ping();
  } catch (error) {
    return `no Docker engine: ${String(error)}`;
  }
  try {
    await docker.getImage(TEST_BASE).inspect();
  } catch {
    return `the base image ${TEST_BASE} is not on this engine`;
  }
  return '';
}

/** The gzip tar of `files` (name → text) written to `<dir>/<name>.tar.gz`; its path. */
export async function contextFile(
  dir: string,
  name: string,
  files: Record<string, string>,
): Promise<string> {
  const tar = pack();
  for (const [file, text] of Object.entries(files)) tar.entry({ name: file }, text);
  tar.finalize();
  const out = path.join(dir, `${name}.tar.gz`);
  await pipeline(tar, createGzip(), createWriteStream(out));
  return out;
}

/** The gzip tar of `files` as bytes (for upload tests). */
export async function contextBytes(files: Record<string, string>): Promise<Buffer> {
  const tar = pack();
  for (const [file, text] of Object.entries(files)) tar.entry({ name: file }, text);
  tar.finalize();
  const chunks: Buffer[] = [];
  const gzip = createGzip();
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  await pipeline(tar, gzip);
  return Buffer.concat(chunks);
}
