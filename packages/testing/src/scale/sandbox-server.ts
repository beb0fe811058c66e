import { createServer, type Server, type Socket } from 'node:net';

/** A running {@link startSandbox} server. */
export interface Sandbox {
  /** `tcp://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * A cheap stand-in for a sandbox's environment: one TCP server on `127.0.0.1:0` speaking the subset of the
 * hud control channel a rollout uses (NDJSON JSON-RPC `hello`, `tasks.list`, `tasks.start` → prompt
 * `say <args.word ?? 'hello'>`, `tasks.grade` → 1.0 when the answer is that word, `tasks.cancel`, `bye`).
 * A few kB and two file descriptors per sandbox, so hundreds fit in one process.
 */
export async function startSandbox(name = 'scale'): Promise<Sandbox> {
  const sockets = new Set<Socket>();
  let sessions = 0;
  const words = new Map<Socket, string>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      words.delete(socket);
    });
    socket.on('error', () => {});
    let buffer = '';
    const reply = (id: unknown, result: unknown) =>
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, result })}\n`);
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        let frame: { id?: unknown; method?: string; params?: Record<string, unknown> };
        try {
          frame = JSON.parse(line);
        } catch {
          socket.destroy();
          return;
        }
        const { id, method, params } = frame;
        if (id === undefined) continue; // a notification
        if (method === 'hello') {
          reply(id, {
            session_id: `s${++sessions}`,
            env: { name, version: '1.0.0' },
            bindings: [],
          });
        } else if (method === 'tasks.list') {
          reply(id, { tasks: [{ id: 'echo', description: 'say the word', args: {} }] });
        } else if (method === 'tasks.start') {
          const args = (params?.args ?? {}) as { word?: unknown };
          const word = typeof args.word === 'string' ? args.word : 'hello';
          words.set(socket, word);
          reply(id, { prompt: `say ${word}` });
        } else if (method === 'tasks.grade') {
          reply(id, { score: params?.answer === (words.get(socket) ?? 'hello') ? 1.0 : 0.0 });
        } else if (method === 'tasks.cancel') {
          reply(id, { cancelled: true });
        } else if (method === 'bye') {
          reply(id, { goodbye: true });
          socket.end();
        } else {
          socket.write(
            `${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: `method not found: ${method}` } })}\n`,
          );
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    url: `tcp://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
