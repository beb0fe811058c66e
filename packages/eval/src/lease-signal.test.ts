import { createServer, type Server } from 'node:net';
import type { Provider, RuntimeLease } from '@hud/protocol';
import { fixedAgent } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Taskset } from './taskset.js';

/**
 * A control port that answers `hello`, then, on `tasks.start`, "dies": it aborts `died` with how, then drops
 * the connection — as a crashing environment process would.
 */
async function dyingEnvironment(died: AbortController): Promise<Server> {
  const server = createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const request = JSON.parse(buffered.slice(0, end)) as { id: number; method: string };
        buffered = buffered.slice(end + 1);
        if (request.method === 'hello') {
          const result = { session_id: 'sess-1', env: { name: 'e', version: '1' }, bindings: [] };
          socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: request.id, result })}\n`);
        } else {
          died.abort(new Error('environment process 4242 exited with code 3 while in use'));
          socket.destroy();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('a lease whose substrate dies', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
  });

  it("appends the lease signal's reason to the dropped connection's error", async () => {
    const died = new AbortController();
    server = await dyingEnvironment(died);
    const address = server.address() as { port: number };
    const provider: Provider = async () => {
      const lease: RuntimeLease = {
        url: `tcp://127.0.0.1:${address.port}`,
        signal: died.signal,
        [Symbol.asyncDispose]: async () => {},
      };
      return lease;
    };
    const taskset = new Taskset('dying', [{ env: 'e', id: 'count', args: {}, slug: 'count' }]);
    const job = await taskset.run({ agent: fixedAgent('1'), provider });
    expect(job.runs[0]?.error).toMatch(
      /^\[starting task\] .*: environment process 4242 exited with code 3 while in use$/,
    );
  });
});
