import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakeHandler, FakeServer, helloResult } from './__fixtures__/fake-server.js';
import { rejection } from './__fixtures__/thrown.js';
import { HudClient } from './client.js';
import type { HudClientOptions } from './client-options.js';
import { connectSocket } from './connect-socket.js';
import { HudError, ProtocolError } from './errors.js';
import { registerProtocolClient } from './protocol-clients.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: FakeHandler): Promise<FakeServer> {
  const server = await FakeServer.start(handler);
  cleanups.push(() => server.close());
  return server;
}

async function clientOf(server: FakeServer, options: HudClientOptions = {}): Promise<HudClient> {
  const endpoint = { host: '127.0.0.1', port: server.port };
  const client = HudClient.fromSocket(await connectSocket(endpoint), { endpoint, ...options });
  cleanups.push(() => client.close());
  return client;
}

/** Resolves when connecting to `port` is refused (nothing listens any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

const echoBindings = [
  { name: 'echo', protocol: 'tcp-echo/1', url: 'tcp://127.0.0.1:9', params: { banner: false } },
  { name: 'shell', protocol: 'ssh/2', url: 'ssh://agent:pw@10.0.0.1:22/home', params: null },
];

describe('HudClient calls', () => {
  it('numbers requests 1, 2, 3 and keeps one call outstanding at a time', async () => {
    let unanswered = 0;
    let overlapped = false;
    const server = await serve(({ reply, request }) => {
      if (unanswered > 0) overlapped = true;
      unanswered++;
      // Answer on a later turn so that a second request could overtake if the client pipelined.
      setImmediate(() => {
        unanswered--;
        reply({ echo: request.method });
      });
    });
    const client = await clientOf(server);
    const results = await Promise.all([
      client.call('a'),
      client.call('b', { x: 1 }),
      client.call('c'),
    ]);
    expect(results).toEqual([{ echo: 'a' }, { echo: 'b' }, { echo: 'c' }]);
    expect(overlapped).toBe(false);
    expect(server.lines.map(({ line }) => line)).toEqual([
      '{"jsonrpc":"2.0","id":1,"method":"a","params":{}}',
      '{"jsonrpc":"2.0","id":2,"method":"b","params":{"x":1}}',
      '{"jsonrpc":"2.0","id":3,"method":"c","params":{}}',
    ]);
  });

  it('writes non-ASCII params escaped, as Python json.dumps does', async () => {
    const server = await serve(({ reply }) => reply({ prompt: 'ok' }));
    const client = await clientOf(server);
    await client.startTask('count', { text: 'héllo ✓' });
    expect(server.lines[0]?.line).toBe(
      '{"jsonrpc":"2.0","id":1,"method":"tasks.start","params":{"id":"count","args":{"text":"h\\u00e9llo \\u2713"}}}',
    );
  });

  it('fails a reply with another id with -32603, aborts, and fails every later call', async () => {
    const server = await serve(({ send }) => send({ jsonrpc: '2.0', id: 99, result: {} }));
    const client = await clientOf(server);
    const error = await rejection(client.cancel());
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect((error as ProtocolError).code).toBe(-32603);
    expect(error.message).toBe(
      "hud rpc error -32603: 'tasks.cancel': reply id did not match request",
    );
    expect(client.signal.aborted).toBe(true);
    await server.waitForEnd(1);
    const later = await rejection(client.listTasks());
    expect(HudError.isInstance(later) && later.code).toBe('connection_closed');
    expect(later.message).toContain('connection lost');
    expect(server.lines).toHaveLength(1);
  });

  it('raises an id-less error frame as that error, after aborting (hud-python quirk)', async () => {
    const server = await serve(({ send }) =>
      send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'bad' } }),
    );
    const client = await clientOf(server);
    const error = await rejection(client.listTasks());
    expect(error.message).toBe('hud rpc error -32600: bad');
    expect(client.signal.aborted).toBe(true);
  });

  it('rejects a result that is not an object with -32603 and keeps the connection', async () => {
    const server = await serve(({ reply, request }) =>
      reply(request.method === 'tasks.start' ? ['not', 'an', 'object'] : { cancelled: true }),
    );
    const client = await clientOf(server);
    const error = await rejection(client.startTask('t'));
    expect(error.message).toBe("hud rpc error -32603: 'tasks.start': result was not an object");
    await expect(client.cancel()).resolves.toBeUndefined();
  });

  it('passes error frames through with their code and message', async () => {
    const server = await serve(({ send, request }) =>
      send({ jsonrpc: '2.0', id: request.id, error: { code: -32099, message: 'custom failure' } }),
    );
    const client = await clientOf(server);
    const error = await rejection(client.listTasks());
    expect(ProtocolError.isInstance(error) && error.code).toBe(-32099);
    expect((error as ProtocolError).rpcMessage).toBe('custom failure');
  });

  it('reports EOF during a call as connection_closed naming the method', async () => {
    const server = await serve(({ socket }) => socket.end());
    const client = await clientOf(server);
    const error = await rejection(client.listTasks());
    expect(HudError.isInstance(error) && error.code).toBe('connection_closed');
    expect(error.message).toBe("env closed connection during 'tasks.list'");
    const later = await rejection(client.grade({ answer: '1' }));
    expect(later.message).toContain('connection lost');
  });

  it('aborts on a reply over maxFrameBytes; the default limit reads it', async () => {
    const big = 'x'.repeat(100_000);
    const server = await serve(({ reply }) => reply({ prompt: big }));
    const small = await clientOf(server, { maxFrameBytes: 65536 });
    const error = await rejection(small.startTask('t'));
    expect(HudError.isInstance(error) && error.code).toBe('frame_too_large');
    expect(error.message).toContain('65536');
    const later = await rejection(small.startTask('t'));
    expect(HudError.isInstance(later) && later.code).toBe('connection_closed');
    expect(server.lines.filter(({ conn }) => conn === 1)).toHaveLength(1);

    const roomy = await clientOf(server);
    await expect(roomy.startTask('t')).resolves.toEqual({ prompt: big });
  });

  it('names the method and the issue when a result does not match its schema', async () => {
    const server = await serve(({ reply, request }) =>
      reply(request.method === 'tasks.list' ? { tasks: 'many' } : { score: 'high' }),
    );
    const client = await clientOf(server);
    const list = await rejection(client.listTasks());
    expect(ProtocolError.isInstance(list) && list.code).toBe(-32603);
    expect(list.message).toContain("'tasks.list': malformed result: tasks:");
    const grade = await rejection(client.grade({ answer: 1 }));
    expect(grade.message).toContain("'tasks.grade': malformed result: score:");
  });

  it('sends args {} by default and exposes per-episode bindings', async () => {
    const server = await serve(({ reply, request }) =>
      request.params?.id === 'robot'
        ? reply({ prompt: 'go', bindings: { arm: { token: 'slot-0-1a2b3c4d' } } })
        : reply({ prompt: 'plain' }),
    );
    const client = await clientOf(server);
    await client.startTask('robot');
    expect(server.lines[0]?.line).toContain('"params":{"id":"robot","args":{}}');
    expect(client.episodeBindings).toEqual({ arm: { token: 'slot-0-1a2b3c4d' } });
    await client.startTask('plain');
    expect(client.episodeBindings).toEqual({});
  });

  it('turns -32601 from tasks.solve into HudError unsupported', async () => {
    const server = await serve(({ send, request }) =>
      request.method === 'tasks.solve'
        ? send({
            jsonrpc: '2.0',
            id: request.id,
            error: { code: -32601, message: 'method not found: tasks.solve' },
          })
        : undefined,
    );
    const client = await clientOf(server);
    const error = await rejection(client.solve());
    expect(HudError.isInstance(error) && error.code).toBe('unsupported');
    expect(error.message).toContain('no reference solutions');
  });

  it('returns the reference answer of tasks.solve', async () => {
    const server = await serve(({ reply }) => reply({ answer: '3' }));
    const client = await clientOf(server);
    await expect(client.solve()).resolves.toEqual({ answer: '3' });
    expect(server.methods()).toEqual(['tasks.solve']);
  });

  it('rejects a hello binding without url, naming the binding', async () => {
    const server = await serve(({ reply }) =>
      reply(helloResult([{ name: 'nourl', protocol: 'weird/7' }])),
    );
    const client = await clientOf(server);
    const error = await rejection(client.hello());
    expect(ProtocolError.isInstance(error) && error.code).toBe(-32603);
    expect(error.message).toContain("binding 'nourl' has no 'url'");
  });

  it('rejects a malformed hello result', async () => {
    const server = await serve(({ reply }) => reply({ session_id: 'sess-0123abcd', bindings: [] }));
    const client = await clientOf(server);
    const error = await rejection(client.hello());
    expect(error.message).toContain("'hello': malformed result: env:");
  });
});

describe('HudClient bindings', () => {
  it('routes every binding through a forwarder and parses them like Capability.from_manifest', async () => {
    const server = await serve(({ reply }) => reply(helloResult(echoBindings)));
    const client = await clientOf(server);
    const manifest = await client.hello();
    expect(manifest.bindings[1]).toEqual({ ...echoBindings[1], params: {} });
    expect(client.binding('ssh').url).toMatch(/^ssh:\/\/agent@127\.0\.0\.1:\d+\/home$/);
    expect(client.binding('echo').url).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(client.binding('echo').url).not.toBe(echoBindings[0]?.url);
  });

  it('returns bindings unrouted without a control endpoint', async () => {
    const server = await serve(({ reply }) => reply(helloResult(echoBindings)));
    const socket = await connectSocket({ host: '127.0.0.1', port: server.port });
    const client = HudClient.fromSocket(socket);
    cleanups.push(() => client.close());
    await client.hello();
    expect(client.binding('echo').url).toBe('tcp://127.0.0.1:9');
  });

  it('refuses binding() before hello', async () => {
    const server = await serve(() => undefined);
    const client = await clientOf(server);
    expect(() => client.binding('echo')).toThrowError(/call hello\(\) before binding\('echo'\)/);
  });

  it('keeps forwarders across hellos and closes those of bindings that went away', async () => {
    let hellos = 0;
    const server = await serve(({ reply }) =>
      reply(helloResult(++hellos === 1 ? echoBindings : echoBindings.slice(0, 1))),
    );
    const client = await clientOf(server);
    await client.hello();
    const echoUrl = client.binding('echo').url;
    const shellPort = Number(/:(\d+)\//.exec(client.binding('shell').url)?.[1]);
    await client.hello();
    expect(client.binding('echo').url).toBe(echoUrl);
    expect(await refused(shellPort)).toBe(true);
  });

  it('close() sends no bye, leaves no listening forwarder, and is idempotent', async () => {
    const server = await serve(({ reply }) => reply(helloResult(echoBindings)));
    const client = await clientOf(server);
    await client.hello();
    const ports = ['echo', 'shell'].map((name) =>
      Number(/127\.0\.0\.1:(\d+)/.exec(client.binding(name).url)?.[1]),
    );
    expect(await refused(ports[0] as number)).toBe(false);
    await Promise.all([client.close(), client.close()]);
    await client.close();
    for (const port of ports) expect(await refused(port)).toBe(true);
    await server.waitForEnd(1);
    // The control connection carried only hello (the probe above may have opened a tunnel connection).
    expect(server.lines.filter(({ conn }) => conn === 1).map(({ line }) => line)).toEqual([
      '{"jsonrpc":"2.0","id":1,"method":"hello","params":{}}',
    ]);
    const later = await rejection(client.listTasks());
    expect(HudError.isInstance(later) && later.code).toBe('connection_closed');
  });

  it('fails a call pending at close() with connection_closed', async () => {
    const server = await serve(() => undefined);
    const client = await clientOf(server);
    const pending = rejection(client.listTasks());
    await new Promise((resolve) => setImmediate(resolve));
    await client.close();
    const error = await pending;
    expect(HudError.isInstance(error) && error.code).toBe('connection_closed');
  });
});

describe('HudClient.open', () => {
  it('says which protocol has no client, as hud-python does', async () => {
    const server = await serve(({ reply }) => reply(helloResult(echoBindings)));
    const client = await clientOf(server);
    await client.hello();
    const error = await rejection(client.open('echo'));
    expect(HudError.isInstance(error) && error.code).toBe('no_protocol_client');
    expect(error.message).toBe(
      "no client registered for protocol 'tcp-echo/1'; use binding('echo') for raw access",
    );
  });

  it('connects a family-registered client with retries, caches it per name and closes it with the client', async () => {
    const server = await serve(({ reply }) => reply(helloResult(echoBindings)));
    const client = await clientOf(server);
    await client.hello();
    const close = vi.fn(async () => undefined);
    const urls: string[] = [];
    const factory = vi.fn(async (binding: { url: string }) => {
      urls.push(binding.url);
      if (urls.length < 3) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
      return { close };
    });
    cleanups.push(registerProtocolClient('tcp-echo', factory));
    const opened = await client.open('echo');
    expect(factory).toHaveBeenCalledTimes(3);
    expect(urls[0]).toBe(client.binding('echo').url);
    expect(await client.open('tcp-echo/1')).toBe(opened);
    expect(factory).toHaveBeenCalledTimes(3);
    await client.close();
    expect(close).toHaveBeenCalledOnce();
  });

  it('connects again for a new episode when the binding carries per-episode data, closing the old client', async () => {
    let episode = 0;
    const server = await serve(({ reply, request }) => {
      if (request.method === 'hello') return reply(helloResult(echoBindings));
      episode += 1;
      return reply({ prompt: 'go', bindings: { echo: { token: `slot-0-${episode}` } } });
    });
    const client = await clientOf(server);
    await client.hello();
    const tokens: unknown[] = [];
    const closes: unknown[] = [];
    cleanups.push(
      registerProtocolClient('tcp-echo', async (_binding, context) => {
        const token = context.episode?.token;
        tokens.push(token);
        return { close: async () => void closes.push(token) };
      }),
    );
    await client.startTask('reach');
    const first = await client.open('echo');
    expect(await client.open('echo')).toBe(first);
    await client.startTask('reach');
    const second = await client.open('echo');
    expect(second).not.toBe(first);
    expect(tokens).toEqual(['slot-0-1', 'slot-0-2']);
    await vi.waitFor(() => expect(closes).toEqual(['slot-0-1']));
  });

  it('gives up after 3 connection errors and does not retry other errors', async () => {
    const server = await serve(({ reply }) => reply(helloResult(echoBindings)));
    const client = await clientOf(server);
    await client.hello();
    const refusing = vi.fn(async () => {
      throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    });
    cleanups.push(registerProtocolClient('tcp-echo/1', refusing));
    expect((await rejection(client.open('echo'))).message).toBe('refused');
    expect(refusing).toHaveBeenCalledTimes(3);
    const broken = vi.fn(async () => {
      throw new TypeError('bad key');
    });
    cleanups.push(registerProtocolClient('ssh/2', broken));
    expect((await rejection(client.open('shell'))).message).toBe('bad key');
    expect(broken).toHaveBeenCalledOnce();
  });
});

describe('HudClient heartbeat', () => {
  it('a heartbeat without reply aborts the connection; queued and later calls fail clearly', async () => {
    const server = await serve(({ reply, request }) => {
      if (request.method === 'hello' && request.params?.session_id === undefined) {
        reply(helloResult());
      }
      // Heartbeats (hello with session_id) and everything else get no reply.
    });
    const client = await clientOf(server);
    await client.hello();
    client.startHeartbeat({ intervalMs: 20, timeoutMs: 100 });
    while (server.lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(server.lines[1]?.line).toBe(
      '{"jsonrpc":"2.0","id":2,"method":"hello","params":{"session_id":"sess-0123abcd"}}',
    );
    const queued = rejection(client.listTasks());
    const error = await queued;
    expect(HudError.isInstance(error) && error.code).toBe('connection_closed');
    expect(error.message).toContain('control heartbeat');
    expect(client.signal.aborted).toBe(true);
    expect((client.signal.reason as HudError).code).toBe('timeout');
    expect(server.methods()).toEqual(['hello', 'hello']);
  });

  it('an error frame stops the heartbeat but keeps the connection', async () => {
    const server = await serve(({ reply, send, request }) => {
      if (request.method === 'hello' && request.params?.session_id !== undefined) {
        send({ jsonrpc: '2.0', id: request.id, error: { code: -32600, message: 'nope' } });
      } else reply(helloResult());
    });
    const warn = vi.fn();
    const client = await clientOf(server, { logger: { debug: () => undefined, warn } });
    await client.hello();
    client.startHeartbeat({ intervalMs: 10 });
    while (warn.mock.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(warn.mock.calls[0]?.[0]).toContain('hud rpc error -32600: nope');
    await expect(client.hello()).resolves.toMatchObject({ sessionId: 'sess-0123abcd' });
    expect(client.signal.aborted).toBe(false);
  });
});
