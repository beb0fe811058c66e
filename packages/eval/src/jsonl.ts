import { randomBytes } from 'node:crypto';
import {
  close,
  closeSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { HudEvalError, messageOf } from './errors.js';

/**
 * Writes `text` to `file` so that readers see the old content or the new, never a mix: write a temp file
 * next to it, fsync, rename over. Creates the parent directory.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Parses a JSONL text: one JSON value per non-blank line. A torn last line (a crash mid-append) is
 * skipped, so a store is readable after a crash at any moment.
 * @throws HudEvalError `store_corrupt` naming the file and line of an unparseable line that is not the last.
 */
export function parseJsonl(text: string, file: string): unknown[] {
  const lines = text.split('\n');
  // Every appended line ends with a newline, so the last element is '' unless the last write was torn.
  const lastContent = lines.findLastIndex((line) => line.trim() !== '');
  const values: unknown[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      values.push(JSON.parse(line));
    } catch (cause) {
      if (index === lastContent) return;
      throw new HudEvalError(
        'store_corrupt',
        `${file} line ${index + 1}: not valid JSON (${messageOf(cause)})`,
        { cause },
      );
    }
  });
  return values;
}

/** Reads a JSONL file with {@link parseJsonl}; a missing file reads as empty. */
export async function readJsonl(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseJsonl(text, file);
}

/** Writes all of `text` (whole JSON lines) at the end of the file open in append mode on `fd`. */
export function writeJsonlTextSync(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/**
 * Opens `file` for appending JSON lines and returns its descriptor: creates its directory, and cuts a torn
 * last line left by a crash so new lines never glue onto a fragment. With `fresh`, the caller vouches that
 * the directory exists and the file is new (a trace named by a fresh id): it is only opened.
 */
export function openJsonlSync(file: string, options: { fresh?: boolean } = {}): number {
  if (options.fresh) return openSync(file, 'a');
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'a+');
  try {
    const { size } = fstatSync(fd);
    if (size > 0) {
      const text = readFileSync(file, 'utf8');
      if (!text.endsWith('\n'))
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/**
 * Writes JSON lines to an open file ({@link openJsonlSync}) with synchronous appends. A line of a few hundred
 * bytes reaches the page cache in microseconds, far less than an asynchronous file-system request costs
 * (a thread-pool round trip and several promises), and lines keep call order by construction.
 * @throws the file system's error.
 */
export function appendJsonlSync(fd: number, value: unknown): void {
  writeJsonlTextSync(fd, `${JSON.stringify(value)}\n`);
}

/**
 * Appends JSON lines to a file in call order (see {@link appendJsonlSync}); disk flushes (fdatasync) run
 * in the thread pool. Opening cuts a torn last line left by a crash, so new lines never glue onto a
 * fragment.
 */
export class JsonlAppender {
  readonly file: string;
  readonly #fd: number;
  /** The last fdatasync requested; close() waits for it. */
  #synced: Promise<void> = Promise.resolve();
  #closed: Promise<void> | undefined;

  private constructor(file: string, fd: number) {
    this.file = file;
    this.#fd = fd;
  }

  /** Opens (creating it and its directory) `file` for appending. */
  static async open(file: string): Promise<JsonlAppender> {
    return new JsonlAppender(file, openJsonlSync(file));
  }

  /**
   * Appends `value` as one line; with `sync`, waits until it is on disk (fdatasync). Resolves once written
   * (to the file system: a crash of this process keeps it); rejects with the file system's error.
   */
  append(value: unknown, options: { sync?: boolean } = {}): Promise<void> {
    try {
      if (this.#closed) throw new Error(`${this.file} is closed`);
      appendJsonlSync(this.#fd, value);
    } catch (error) {
      return Promise.reject(error);
    }
    return options.sync ? this.sync() : Promise.resolve();
  }

  /** Flushes everything appended so far to disk (fdatasync). */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.file} is closed`));
    const done = new Promise<void>((resolve, reject) =>
      fdatasync(this.#fd, (error) => (error ? reject(error) : resolve())),
    );
    const previous = this.#synced;
    this.#synced = done.then(
      () => previous,
      () => previous,
    );
    return done;
  }

  /** Waits for a flush in progress, then closes the file. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#synced.then(
      () =>
        new Promise<void>((resolve, reject) =>
          close(this.#fd, (error) => (error ? reject(error) : resolve())),
        ),
    );
    return this.#closed;
  }
}
