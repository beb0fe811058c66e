import { HudError } from '../errors.js';
import type { Framebuffer } from './rfb-framebuffer.js';
import { decodeRectHeader, Encoding, ServerMessage } from './rfb-messages.js';
import type { SocketReader } from './rfb-reader.js';

/**
 * Reads server-to-client messages (RFC 6143 §7.6) until the connection fails, painting FramebufferUpdates
 * into `framebuffer` and waking whoever waits for the next update. Colour maps, bells and cut text are read
 * and dropped. An unknown message or encoding means the stream is out of sync: the loop stops with an
 * `invalid_frame` error.
 */
export class ServerMessageLoop {
  readonly #reader: SocketReader;
  readonly #framebuffer: Framebuffer;
  #waiter: { resolve: (resized: boolean) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;

  constructor(reader: SocketReader, framebuffer: Framebuffer) {
    this.#reader = reader;
    this.#framebuffer = framebuffer;
  }

  /** Runs until a read fails; resolves with that failure (never rejects). */
  async run(): Promise<Error> {
    try {
      for (;;) await this.#readMessage();
    } catch (error) {
      this.fail(error as Error);
      return this.#failure ?? (error as Error);
    }
  }

  /**
   * Resolves when the next FramebufferUpdate has been painted, with whether it resized the desktop.
   * @throws the loop's failure, or HudError `timeout` after `timeoutMs`.
   */
  nextUpdate(timeoutMs: number): Promise<boolean> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new HudError('timeout', `no framebuffer update within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        resolve: (resized) => {
          clearTimeout(timer);
          resolve(resized);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /** Stops waiting: the pending {@link ServerMessageLoop.nextUpdate} and later ones reject with `error`. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#reader.fail(this.#failure);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(this.#failure);
  }

  async #readMessage(): Promise<void> {
    const [type] = await this.#reader.read(1);
    switch (type) {
      case ServerMessage.FramebufferUpdate:
        return this.#readUpdate();
      case ServerMessage.SetColourMapEntries: {
        const header = await this.#reader.read(5);
        await this.#reader.read(header.readUInt16BE(3) * 6);
        return;
      }
      case ServerMessage.Bell:
        return;
      case ServerMessage.ServerCutText: {
        const header = await this.#reader.read(7);
        await this.#reader.read(header.readUInt32BE(3));
        return;
      }
      default:
        throw new HudError(
          'invalid_frame',
          `RFB stream out of sync: unknown server message type ${type}`,
        );
    }
  }

  async #readUpdate(): Promise<void> {
    const header = await this.#reader.read(3);
    const count = header.readUInt16BE(1);
    let resized = false;
    for (let index = 0; index < count; index++) {
      const rect = decodeRectHeader(await this.#reader.read(12));
      if (rect.encoding === Encoding.Raw) {
        this.#framebuffer.putRaw(rect, await this.#reader.read(rect.width * rect.height * 4));
      } else if (rect.encoding === Encoding.CopyRect) {
        const source = await this.#reader.read(4);
        this.#framebuffer.copyRect(rect, source.readUInt16BE(0), source.readUInt16BE(2));
      } else if (rect.encoding === Encoding.DesktopSize) {
        this.#framebuffer.resize(rect.width, rect.height);
        resized = true;
      } else if (rect.encoding === Encoding.LastRect) {
        break;
      } else {
        throw new HudError(
          'invalid_frame',
          `RFB server sent encoding ${rect.encoding}, which the client did not ask for`,
        );
      }
    }
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(resized);
  }
}
