import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
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

/**
 * Appends JSON lines to a file, one `write` per line, in call order. Opening cuts a torn last line left by
 * a crash, so new lines never glue onto a fragment.
 */
export class JsonlAppender {
  readonly file: string;
  readonly #handle: FileHandle;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(file: string, handle: FileHandle) {
    this.file = file;
    this.#handle = handle;
  }

  /** Opens (creating it and its directory) `file` for appending. */
  static async open(file: string): Promise<JsonlAppender> {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a+');
    try {
      const { size } = await handle.stat();
      if (size > 0) {
        const text = await readFile(file, 'utf8');
        if (!text.endsWith('\n'))
          await handle.truncate(Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new JsonlAppender(file, handle);
  }

  /**
   * Appends `value` as one line; with `sync`, waits until it is on disk (fdatasync).
   * Resolves when written; rejects with the file system's error.
   */
  append(value: unknown, options: { sync?: boolean } = {}): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    const write = this.#queue.then(async () => {
      await this.#handle.appendFile(line, 'utf8');
      if (options.sync) await this.#handle.datasync();
    });
    this.#queue = write.catch(() => {});
    return write;
  }

  /** Flushes to disk (fdatasync) after the queued writes. */
  sync(): Promise<void> {
    const done = this.#queue.then(() => this.#handle.datasync());
    this.#queue = done.catch(() => {});
    return done;
  }

  /** Waits for queued writes, then closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#handle.close();
  }
}
