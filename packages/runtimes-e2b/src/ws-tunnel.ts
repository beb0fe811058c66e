import { pipeline } from 'node:stream';
import { LoopbackServer } from '@hud/protocol';
import WebSocket, { createWebSocketStream } from 'ws';

const noop = () => {};

/**
 * A listener on `127.0.0.1:0` whose every connection opens its own WebSocket to `url` (with `headers`)
 * and pipes bytes both ways with backpressure (binary frames). A refused upgrade (a 502 from the port
 * host while the bridge is not up yet) or a dropped WebSocket closes the TCP connection: the control
 * client's readiness loop then retries.
 */
export class WsTunnel {
  readonly #listener: LoopbackServer;

  private constructor(listener: LoopbackServer) {
    this.#listener = listener;
  }

  /** The local port. */
  get port(): number {
    return this.#listener.port;
  }

  /** Starts listening. */
  static async open(url: string, headers: Readonly<Record<string, string>>): Promise<WsTunnel> {
    const listener = await LoopbackServer.listen((tcp) => {
      tcp.setNoDelay(true);
      tcp.on('error', noop);
      const socket = new WebSocket(url, { headers: { ...headers }, perMessageDeflate: false });
      socket.on('error', () => tcp.destroy());
      socket.on('unexpected-response', (_request, response) => {
        response.resume();
        socket.terminate();
        tcp.destroy();
      });
      const stream = createWebSocketStream(socket);
      stream.on('error', noop);
      pipeline(tcp, stream, noop);
      pipeline(stream, tcp, noop);
    });
    return new WsTunnel(listener);
  }

  /** Stops listening and drops every tunnelled connection. Idempotent. */
  close(): Promise<void> {
    return this.#listener.close();
  }
}
