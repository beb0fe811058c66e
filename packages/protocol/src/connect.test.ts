import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeServer, helloResult } from './__fixtures__/fake-server.js';
import { closedPort } from './__fixtures__/scripted-server.js';
import { rejection } from './__fixtures__/thrown.js';
import { HudClient } from './client.js';
import { parseControlUrl } from './connect-url.js';
import { HudError, ProtocolError } from './errors.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connected(client: Promise<HudClient>): Promise<HudClient> {
  const ready = await client;
  cleanups.push(() => ready.close());
  return ready;
}

const answerHello = FakeServer.start.bind(FakeServer, ({ reply, request }) => {
  if (request.method === 'hello') reply(helloResult());
});

describe('HudClient.connect readiness', () => {
  it('retries refused connects until the server starts listening (~1 s later)', async () => {
    const port = await closedPort();
    const debug = vi.fn();
    let server: FakeServer | undefined;
    const starting = new Promise<void>((resolve) => {
      setTimeout(async () => {
        server = await answerHello(port);
        cleanups.push(() => server?.close());
        resolve();
      }, 1_000);
    });
    const client = await connected(
      HudClient.connect(`tcp://127.0.0.1:${port}`, {
        readyTimeoutMs: 30_000,
        heartbeatIntervalMs: 0,
        logger: { debug, warn: () => undefined },
      }),
    );
    await starting;
    expect(client.manifest?.sessionId).toBe('sess-0123abcd');
    expect(debug.mock.calls.some(([message]) => String(message).includes('ECONNREFUSED'))).toBe(
      true,
    );
    expect(server?.connections).toBe(1);
  });

  it('treats a connection closed before hello as not ready, and retries', async () => {
    let accepted = 0;
    const server: Server = createServer((socket) => {
      accepted++;
      // Like a docker-proxied port with nothing behind it yet: accept, then close at once.
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const closing = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (accepted < 2) return;
        clearInterval(check);
        server.close(async () => {
          const ready = await answerHello(port);
          cleanups.push(() => ready.close());
          resolve();
        });
      }, 10);
    });
    const client = await connected(
      HudClient.connect(`127.0.0.1:${port}`, {
        readyTimeoutMs: 30_000,
        retryIntervalMs: 50,
        heartbeatIntervalMs: 0,
      }),
    );
    await closing;
    expect(accepted).toBeGreaterThanOrEqual(2);
    expect(client.manifest?.env).toEqual({ name: 'fake', version: '1' });
  });

  it('gives up at the deadline with not_ready naming the URL and the last error', async () => {
    const url = `tcp://127.0.0.1:${await closedPort()}`;
    const error = await rejection(HudClient.connect(url, { readyTimeoutMs: 1_200 }));
    expect(HudError.isInstance(error) && error.code).toBe('not_ready');
    expect(error.message).toContain(url);
    expect(error.message).toContain('1.2 s');
    expect(error.message).toContain('ECONNREFUSED');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('lets runtime.params.ready_timeout (seconds) override the option', async () => {
    const url = `tcp://127.0.0.1:${await closedPort()}`;
    const error = await rejection(
      HudClient.connect({ url, params: { ready_timeout: 0.3 } }, { readyTimeoutMs: 600_000 }),
    );
    expect(HudError.isInstance(error) && error.code).toBe('not_ready');
    expect(error.message).toContain('0.3 s');
  });

  it('gives up when hello gets no reply before the deadline', async () => {
    const silent = await FakeServer.start(() => undefined);
    cleanups.push(() => silent.close());
    const error = await rejection(HudClient.connect(silent.url, { readyTimeoutMs: 500 }));
    expect(HudError.isInstance(error) && error.code).toBe('not_ready');
    expect(error.message).toContain("no reply to 'hello'");
  });

  it('does not retry an error frame in answer to hello', async () => {
    const server = await FakeServer.start(({ send, request }) =>
      send({ jsonrpc: '2.0', id: request.id, error: { code: -32600, message: 'go away' } }),
    );
    cleanups.push(() => server.close());
    const error = await rejection(HudClient.connect(server.url, { readyTimeoutMs: 30_000 }));
    expect(ProtocolError.isInstance(error) && error.code).toBe(-32600);
    expect(server.connections).toBe(1);
    await server.waitForEnd(1);
  });

  it('stops retrying when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('user gave up');
    setTimeout(() => controller.abort(reason), 700);
    const error = await rejection(
      HudClient.connect(`tcp://127.0.0.1:${await closedPort()}`, {
        readyTimeoutMs: 60_000,
        signal: controller.signal,
      }),
    );
    expect(error).toBe(reason);
  });

  it("stops retrying when the lease's own signal aborts (its substrate died)", async () => {
    const died = new AbortController();
    const reason = new Error('child exited with code 1: SyntaxError in env.ts');
    setTimeout(() => died.abort(reason), 300);
    const lease = {
      url: `tcp://127.0.0.1:${await closedPort()}`,
      signal: died.signal,
      [Symbol.asyncDispose]: async () => {},
    };
    const error = await rejection(HudClient.connect(lease, { readyTimeoutMs: 2_000 }));
    expect(error).toBe(reason);
  });

  it('rejects bad ready_timeout values', async () => {
    for (const ready_timeout of [0, -1, true, '5', Number.POSITIVE_INFINITY]) {
      const error = await rejection(
        HudClient.connect({ url: 'tcp://127.0.0.1:1', params: { ready_timeout } }),
      );
      expect(HudError.isInstance(error) && error.code, String(ready_timeout)).toBe(
        'invalid_argument',
      );
    }
  });

  it('starts the heartbeat: hello {session_id: own}', async () => {
    const server = await answerHello(0);
    cleanups.push(() => server.close());
    await connected(HudClient.connect(server.url, { heartbeatIntervalMs: 10 }));
    while (server.lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.lines[1]?.line).toBe(
      '{"jsonrpc":"2.0","id":2,"method":"hello","params":{"session_id":"sess-0123abcd"}}',
    );
  });
});

describe('parseControlUrl', () => {
  it('accepts tcp://, //host:port and bare host:port; an empty host is 127.0.0.1', () => {
    expect(parseControlUrl('tcp://10.1.2.3:7000')).toEqual({ host: '10.1.2.3', port: 7000 });
    expect(parseControlUrl('TCP://example.com:7000/ignored')).toEqual({
      host: 'example.com',
      port: 7000,
    });
    expect(parseControlUrl('//:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseControlUrl('localhost:7000')).toEqual({ host: 'localhost', port: 7000 });
    expect(parseControlUrl('tcp://[::1]:7000')).toEqual({ host: '::1', port: 7000 });
  });

  it('rejects other schemes as unsupported and a missing port as invalid', () => {
    for (const url of ['http://127.0.0.1:7000', 'stdio://env', 'ws://127.0.0.1:7000']) {
      expect(() => parseControlUrl(url), url).toThrowError(
        expect.objectContaining({ code: 'unsupported' }),
      );
    }
    for (const url of ['tcp://127.0.0.1', 'tcp://127.0.0.1:0', 'tcp://127.0.0.1:99999']) {
      expect(() => parseControlUrl(url), url).toThrowError(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
  });
});
