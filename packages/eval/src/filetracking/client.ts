import net from 'node:net';
import {
  type Capability,
  ErrorCode,
  encodeRequest,
  FrameDecoder,
  HudError,
  isObjectFrame,
  isRecord,
  ProtocolError,
} from '@hud/protocol';

/** The `filetracking/1` client's reader limit: 160 MiB (a `flush` carries up to 50 MiB of diff plus capture). */
export const FILE_TRACKING_FRAME_LIMIT = 160 * 1024 * 1024;

/** The methods of `filetracking/1` (spec §3.7). */
export type FileTrackingMethod = 'setup' | 'advance' | 'snapshot' | 'diff' | 'flush';

/**
 * A connection to a `filetracking/1` daemon (hud-python `FileTrackingClient`): one call at a time, ids from
 * 1, params `{}`. Reached through the control channel's loopback forwarder (`HudClient.binding(...).url`).
 */
export class FileTrackingClient {
  readonly #socket: net.Socket;
  readonly #decoder = new FrameDecoder({ maxFrameBytes: FILE_TRACKING_FRAME_LIMIT });
  #nextId = 1;
  #pending: { resolve(value: unknown): void; reject(error: Error): void } | undefined;
  #failure: Error | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      let frames: ReturnType<FrameDecoder['push']>;
      try {
        frames = this.#decoder.push(chunk);
      } catch (error) {
        this.#fail(error as Error);
        return;
      }
      for (const frame of frames) {
        const pending = this.#pending;
        this.#pending = undefined;
        if (frame.kind === 'invalid') this.#fail(frame.error);
        else if (pending === undefined) {
          this.#fail(new HudError('invalid_frame', 'filetracking: reply without a request'));
        } else pending.resolve(frame.value);
      }
    });
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () =>
      this.#fail(new HudError('connection_closed', 'filetracking: connection closed')),
    );
  }

  /**
   * Connects to `binding.url` (`tcp://host:port`).
   * @throws HudError `invalid_argument` for a URL without host and port; the connection error.
   */
  static async connect(binding: Capability): Promise<FileTrackingClient> {
    const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+):(\d+)/i.exec(
      binding.url,
    );
    if (!match?.[1] || !match[2]) {
      throw new HudError(
        'invalid_argument',
        `filetracking capability missing host or port: '${binding.url}'`,
      );
    }
    const host = match[1].replace(/^\[(.*)\]$/, '$1');
    const port = Number(match[2]);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const attempt = net.connect({ host, port, noDelay: true }, () => {
        attempt.off('error', reject);
        resolve(attempt);
      });
      attempt.once('error', reject);
    });
    return new FileTrackingClient(socket);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
    this.#socket.destroy();
  }

  /**
   * Calls `method` and returns its result object.
   * @throws ProtocolError for an error reply (`filetracking '<m>' error: <message>`); HudError
   *   `invalid_frame` for a result that is not an object or a reply out of turn; `connection_closed` and
   *   socket errors.
   */
  call(method: FileTrackingMethod): Promise<Record<string, unknown>> {
    const run = this.#queue.then(
      () => this.#call(method),
      () => this.#call(method),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #call(method: FileTrackingMethod): Promise<Record<string, unknown>> {
    if (this.#failure) throw this.#failure;
    const id = this.#nextId++;
    const reply = await new Promise<unknown>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(encodeRequest(id, method, {}));
    });
    if (!isObjectFrame(reply) || reply.id !== id) {
      const error = new HudError(
        'invalid_frame',
        `filetracking '${method}': reply id did not match`,
      );
      this.#fail(error);
      throw error;
    }
    if (isRecord(reply.error)) {
      const code =
        typeof reply.error.code === 'number' ? reply.error.code : ErrorCode.InternalError;
      throw new ProtocolError(
        code,
        `filetracking '${method}' error: ${String(reply.error.message)}`,
      );
    }
    if (!isRecord(reply.result)) {
      throw new HudError('invalid_frame', `filetracking '${method}': result was not an object`);
    }
    return reply.result;
  }

  /** Closes the connection. */
  close(): void {
    this.#failure ??= new HudError('connection_closed', 'filetracking: client closed');
    this.#socket.destroy();
  }
}
