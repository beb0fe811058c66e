import { createServer, type Server, type Socket } from 'node:net';
import { portOf } from './port.js';

/** One request line a {@link FakeServer} received. */
export interface FakeRequest {
  /** Accept order of the connection, from 1. */
  conn: number;
  line: string;
  request: { id?: unknown; method?: string; params?: Record<string, unknown> };
  socket: Socket;
  /** Writes `value` as one compact JSON line. */
  send(value: unknown): void;
  /** Writes `{"jsonrpc":"2.0","id":<request id>,"result":result}`. */
  reply(result: unknown): void;
}

export type FakeHandler = (request: FakeRequest) => void;

/** `hello` result with the given bindings. */
export const helloResult = (bindings: unknown[] = [], sessionId = 'sess-0123abcd') => ({
  session_id: sessionId,
  env: { name: 'fake', version: '1' },
  bindings,
});

/**
 * A hand-driven control-channel server on 127.0.0.1 for unit tests: every request line goes to `handler`,
 * which answers (or not) as the test needs. Records every line and connection.
 */
export class FakeServer {
  readonly lines: { conn: number; line: string }[] = [];
  connections = 0;
  /** Connections whose client sent EOF (or reset). */
  readonly ended = new Set<number>();
  readonly #server: Server;
  #onEnd: (() => void)[] = [];
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(handler: FakeHandler, port = 0): Promise<FakeServer> {
    const server = createServer({ allowHalfOpen: true });
    const fake = new FakeServer(server);
    server.on('connection', (socket) => fake.#accept(socket, handler));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return portOf(this.#server);
  }

  get url(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  methods(): (string | undefined)[] {
    return this.lines.map(({ line }) => (JSON.parse(line) as { method?: string }).method);
  }

  /** Resolves once connection `conn` has ended on the client side. */
  async waitForEnd(conn: number): Promise<void> {
    while (!this.ended.has(conn)) await new Promise<void>((resolve) => this.#onEnd.push(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket, handler: FakeHandler): void {
    const conn = ++this.connections;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const onEnd = () => {
      this.ended.add(conn);
      for (const notify of this.#onEnd.splice(0)) notify();
      socket.end();
    };
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        this.lines.push({ conn, line });
        const request = JSON.parse(line) as FakeRequest['request'];
        const send = (value: unknown) => socket.write(`${JSON.stringify(value)}\n`);
        handler({
          conn,
          line,
          request,
          socket,
          send,
          reply: (result) => send({ jsonrpc: '2.0', id: request.id, result }),
        });
      }
    });
  }
}
