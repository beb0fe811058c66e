import net from 'node:net';

/**
 * A raw NDJSON client over one TCP connection: hand-written request lines, one outstanding request at a
 * time (as hud-python's HudClient), replies read as text lines. Deliberately minimal, so that the client
 * costs the same whichever server it talks to.
 */
export class LineClient {
  readonly socket: net.Socket;
  #buffer = '';
  #waiting: ((line: string) => void) | undefined;
  #failure: Error | undefined;
  #failWaiting: ((error: Error) => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      // Servers write ASCII-only JSON (Python's ensure_ascii), so latin1 decoding is exact and cheapest.
      this.#buffer += chunk.toString('latin1');
      const newline = this.#buffer.indexOf('\n');
      if (newline === -1) return;
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      const waiting = this.#waiting;
      this.#waiting = undefined;
      this.#failWaiting = undefined;
      waiting?.(line);
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      const failWaiting = this.#failWaiting;
      this.#waiting = undefined;
      this.#failWaiting = undefined;
      failWaiting?.(this.#failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    const socket = net.connect({ port, host, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  /** Writes one request line (with its newline) and resolves with the next reply line. */
  request(line: string): Promise<string> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<string>((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
      this.socket.write(line);
    });
  }

  /** Closes without `bye` (a task the session holds is parked, as after hud-python's Client.close()). */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.end();
    await closed;
  }
}

/** The request lines of one benchmark cycle: the hud-python benchmark's `count` task. */
export const Frames = {
  hello: (id: number) => `{"jsonrpc":"2.0","id":${id},"method":"hello","params":{}}\n`,
  start: (id: number) =>
    `{"jsonrpc":"2.0","id":${id},"method":"tasks.start","params":{"id":"count","args":{"text":"banana","letter":"a"}}}\n`,
  grade: (id: number) =>
    `{"jsonrpc":"2.0","id":${id},"method":"tasks.grade","params":{"answer":"3"}}\n`,
};

/**
 * Runs `cycles` start+grade cycles on one connection, ids from `firstId`, checking each reply.
 * @throws Error on an unexpected reply.
 */
export async function runCycles(client: LineClient, cycles: number, firstId = 1): Promise<void> {
  let id = firstId;
  for (let cycle = 0; cycle < cycles; cycle++) {
    const started = await client.request(Frames.start(id++));
    if (!started.includes('"result":{"prompt"')) throw new Error(`tasks.start replied ${started}`);
    const graded = await client.request(Frames.grade(id++));
    if (!graded.includes('"score":1.0')) throw new Error(`tasks.grade replied ${graded}`);
  }
}

/**
 * {@link runCycles} timing each cycle: resolves with the per-cycle latencies (start written → grade reply
 * read), µs, in cycle order.
 * @throws Error on an unexpected reply.
 */
export async function runTimedCycles(
  client: LineClient,
  cycles: number,
  firstId = 1,
): Promise<number[]> {
  const latencies: number[] = [];
  let id = firstId;
  for (let cycle = 0; cycle < cycles; cycle++) {
    const begun = performance.now();
    const started = await client.request(Frames.start(id++));
    if (!started.includes('"result":{"prompt"')) throw new Error(`tasks.start replied ${started}`);
    const graded = await client.request(Frames.grade(id++));
    if (!graded.includes('"score":1.0')) throw new Error(`tasks.grade replied ${graded}`);
    latencies.push((performance.now() - begun) * 1000);
  }
  return latencies;
}
