import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { GatewayError } from '../errors.js';

/**
 * Where a build's files live under the builds dir: `<dir>/<build id>/context.tar.gz` (the uploaded
 * context) and `<dir>/<build id>/build.log` (its output, one line each).
 */
export class BuildFiles {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  context(id: string): string {
    return path.join(this.dir, id, 'context.tar.gz');
  }

  log(id: string): string {
    return path.join(this.dir, id, 'build.log');
  }

  /**
   * Writes `body` to the build's context file: to a temporary file first, flushed to disk, then renamed,
   * so an acknowledged upload survives a crash and a broken one leaves nothing. Resolves the byte count.
   * @throws GatewayError `payload_too_large` past `limit` bytes (the partial file is removed),
   *   `invalid_request` when the body is not gzip data.
   */
  async saveContext(id: string, body: AsyncIterable<Buffer>, limit: number): Promise<number> {
    const target = this.context(id);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const partial = `${target}.${process.pid}.${Date.now()}.partial`;
    const file = await open(partial, 'w', 0o600);
    let bytes = 0;
    let head: Buffer | undefined;
    try {
      for await (const chunk of body) {
        bytes += chunk.length;
        if (bytes > limit) {
          throw new GatewayError(
            'payload_too_large',
            `build context over the gateway's limit of ${limit} bytes: leave large files out with .dockerignore`,
          );
        }
        head ??= chunk.subarray(0, 2);
        await file.write(chunk);
      }
      if (bytes === 0 || head?.[0] !== 0x1f || head?.[1] !== 0x8b) {
        throw new GatewayError(
          'invalid_request',
          'the build context must be a gzip-compressed tar (content-type application/gzip)',
        );
      }
      await file.sync();
      await file.close();
      await rename(partial, target);
      return bytes;
    } catch (error) {
      await file.close().catch(() => {});
      await rm(partial, { force: true });
      throw error;
    }
  }

  /** An append-only writer of the build's log (created with its folder). */
  async openLog(id: string): Promise<LogWriter> {
    await mkdir(path.dirname(this.log(id)), { recursive: true, mode: 0o700 });
    const stream = createWriteStream(this.log(id), { flags: 'a', mode: 0o600 });
    return {
      write: (line) => {
        stream.write(`${line}\n`);
      },
      close: () =>
        new Promise<void>((resolve, reject) => {
          stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
        }),
    };
  }

  /** The lines logged so far ([] when there is no log). */
  async readLog(id: string): Promise<string[]> {
    try {
      const text = await readFile(this.log(id), 'utf8');
      return text === '' ? [] : text.replace(/\n$/, '').split('\n');
    } catch {
      return [];
    }
  }
}

/** Appends lines to a build log. */
export interface LogWriter {
  write(line: string): void;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}
