import dns from 'node:dns';
import net from 'node:net';
import { HudError } from '@hud/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { conformanceEnv } from './__fixtures__/conformance-env.js';
import { probeEnv } from './__fixtures__/probe-env.js';
import { bound, closeAll, served } from './__fixtures__/served.js';
import { eventually, WireClient } from './__fixtures__/wire-client.js';
import { Environment } from './environment.js';
import { bind, PORT_ANNOUNCEMENT, serve } from './server.js';

afterEach(closeAll);

const SCORE_1 = (id: number) => `{"jsonrpc":"2.0","id":${id},"result":{"score":1.0}}`;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A port nothing listens on (freshly released by the OS). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('frames', () => {
  it('accepts a line of exactly maxFrameBytes', async () => {
    const env = await bound(probeEnv().env, { maxFrameBytes: 1024 });
    const client = await env.connect();
    const head =
      '{"jsonrpc":"2.0","id":1,"method":"tasks.start","params":{"id":"probe","args":{"tag":"';
    const tail = '"}}}';
    const line = head + 'x'.repeat(1024 - head.length - tail.length) + tail;
    expect(Buffer.byteLength(line)).toBe(1024);
    client.write(`${line}\n`);
    expect(await client.line()).toMatch(
      /^\{"jsonrpc":"2.0","id":1,"result":\{"prompt":"probe x+"\}\}$/,
    );
  });

  it('answers a line over maxFrameBytes with one -32600 frame, then closes; the task parks', async () => {
    const env = await bound(probeEnv().env, { maxFrameBytes: 1024 });
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 't' } });
    client.write(
      `{"jsonrpc":"2.0","id":2,"method":"hello","params":{"pad":"${'x'.repeat(2000)}"}}\n`,
    );
    const rest = await client.endOfStream();
    expect(rest).toMatch(
      /^\{"jsonrpc":"2.0","id":null,"error":\{"code":-32600,"message":"frame exceeds the limit of 1024 bytes \(at least \d+ bytes before the newline\)"\}\}\n$/,
    );
    // Other connections are served, and the task of the dropped session was parked, not cancelled.
    const other = await env.connect();
    expect(await other.call('tasks.grade', { answer: 't' })).toBe(SCORE_1(1));
  });

  it('refuses an over-limit first frame without waiting for its newline', async () => {
    const env = await bound(probeEnv().env, { maxFrameBytes: 1024 });
    const client = await env.connect();
    client.write('x'.repeat(5000));
    expect(await client.endOfStream()).toMatch(
      /^\{"jsonrpc":"2.0","id":null,"error":\{"code":-32600,"message":"frame exceeds the limit of 1024 bytes/,
    );
  });

  it('accepts frames far above hud-python 64 KiB limit by default', async () => {
    const env = await bound(probeEnv().env);
    const client = await env.connect();
    const tag = 'y'.repeat(1024 * 1024);
    const reply = JSON.parse(await client.call('tasks.start', { id: 'probe', args: { tag } }));
    expect(reply.result.prompt).toBe(`probe ${tag}`);
    expect(await client.call('tasks.grade', { answer: tag })).toBe(SCORE_1(2));
  });

  it('answers a non-JSON line with one -32700 frame, then closes; the task parks (raw_15)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    await client.call('tasks.start', { id: 'count', args: { text: 'banana', letter: 'a' } });
    client.write('{this is not json\n');
    const rest = await client.endOfStream();
    expect(rest).toMatch(
      /^\{"jsonrpc":"2.0","id":null,"error":\{"code":-32700,"message":"frame is not valid JSON \(.*\): \\"\{this is not json\\""\}\}\n$/,
    );
    const other = await env.connect();
    expect(await other.call('tasks.grade', { answer: '3' })).toBe(SCORE_1(1));
  });

  it.each([
    ['[1,2,3]', 'an array'],
    ['"just a string"', 'string'],
    ['null', 'null'],
    ['42', 'number'],
  ])('answers the non-object frame %s with one -32600 frame, then closes', async (line, kind) => {
    const env = await bound(probeEnv().env);
    const client = await env.connect();
    await client.call('hello', {});
    client.write(`${line}\n`);
    expect(await client.endOfStream()).toBe(
      `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: a frame must be a JSON object, got ${kind}"}}\n`,
    );
  });

  it('accepts a frame split across many writes and CRLF line ends', async () => {
    const env = await bound(probeEnv().env);
    const client = await env.connect();
    const line = '{"jsonrpc":"2.0","id":1,"method":"tasks.cancel"}\r\n';
    for (const char of line) {
      client.write(char);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await client.line()).toBe('{"jsonrpc":"2.0","id":1,"result":{"cancelled":true}}');
  });

  it('closes silently when the client leaves before any frame', async () => {
    const env = await bound(probeEnv().env);
    const client = await env.connect();
    client.end();
    expect(await client.endOfStream()).toBe('');
    expect(env.server.channel.runnerCount).toBe(0);
  });

  it('answers requests sent before a half-close, then closes', async () => {
    const env = await bound(probeEnv().env);
    const client = await env.connect();
    client.write(
      '{"jsonrpc":"2.0","id":1,"method":"tasks.start","params":{"id":"probe","args":{"tag":"h"}}}\n{"jsonrpc":"2.0","id":2,"method":"tasks.cancel"}\n',
    );
    client.end();
    expect(await client.endOfStream()).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"prompt":"probe h"}}\n{"jsonrpc":"2.0","id":2,"result":{"cancelled":true}}\n',
    );
  });

  it('writes non-ASCII as \\u escapes, as Python json.dumps does (raw_03)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    client.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tasks.start', params: { id: 'count', args: { text: 'über', letter: 'ü' } } })}\n`,
    );
    expect(await client.line()).toBe(
      `{"jsonrpc":"2.0","id":8,"result":{"prompt":"How many times does the letter '\\u00fc' appear in '\\u00fcber'? Answer with just the number."}}`,
    );
  });
});

describe('tasks.solve (hud-ts extension)', () => {
  it("returns the template's reference answer for the running task", async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    await client.call('tasks.start', { id: 'count', args: { text: 'banana', letter: 'a' } });
    expect(await client.call('tasks.solve', {})).toBe(
      '{"jsonrpc":"2.0","id":2,"result":{"answer":"3"}}',
    );
    // Solving does not consume the task.
    expect(await client.call('tasks.grade', { answer: '3' })).toBe(SCORE_1(3));
  });

  it('refuses a template without a solution with -32601', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    await client.call('tasks.start', { id: 'boom', args: {} });
    expect(await client.call('tasks.solve')).toBe(
      `{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"template 'boom' has no reference solution"}}`,
    );
  });

  it('refuses when no task runs with -32600', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    expect(await client.call('tasks.solve')).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"no task in progress"}}',
    );
  });
});

describe('token', () => {
  it('is required to bind a non-loopback address', async () => {
    const error = await rejection(bind(probeEnv().env, { host: '0.0.0.0' }));
    expect(HudError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_argument' });
    expect((error as Error).message).toMatch(
      /^serving on 0\.0\.0\.0 \(not loopback\) needs a token/,
    );
  });

  it('is not required with insecure (here on an IPv4-mapped loopback address)', async () => {
    await expect(bind(probeEnv().env, { host: '::ffff:127.0.0.1' })).rejects.toThrow(
      /needs a token/,
    );
    const server = await bind(probeEnv().env, { host: '::ffff:127.0.0.1', insecure: true });
    try {
      expect(server.url).toBe(`tcp://[::ffff:127.0.0.1]:${server.port}`);
      const client = await WireClient.connect(server.port);
      expect(await client.call('tasks.cancel')).toBe(
        '{"jsonrpc":"2.0","id":1,"result":{"cancelled":true}}',
      );
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('refuses hello without the token and closes', async () => {
    const env = await bound(probeEnv().env, { token: 's3cret' });
    const client = await env.connect();
    expect(await client.call('hello', {})).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"unauthorized: wrong or missing token"}}',
    );
    expect(await client.endOfStream()).toBe('');
  });

  it('refuses hello with a wrong token and closes', async () => {
    const env = await bound(probeEnv().env, { token: 's3cret' });
    for (const token of ['s3cre', 's3cret!', 'S3CRET', 42]) {
      const client = await env.connect();
      expect(await client.call('hello', { token })).toMatch(
        /"code":-32600,"message":"unauthorized/,
      );
      expect(await client.endOfStream()).toBe('');
    }
  });

  it('checks the token before session_id, and the params being an object before both', async () => {
    const env = await bound(probeEnv().env, { token: 's3cret' });
    const shape = await env.connect();
    expect(await shape.call('hello', ['s3cret'])).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"hello: 'params' must be an object"}}`,
    );
    const stranger = await env.connect();
    expect(await stranger.call('hello', { session_id: 5, token: 'nope' })).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"unauthorized: wrong or missing token"}}',
    );
    expect(await stranger.endOfStream()).toBe('');
    const member = await env.connect();
    expect(await member.call('hello', { session_id: 5, token: 's3cret' })).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"hello: 'session_id' must be a string"}}`,
    );
    // A params refusal does not close: the session (authenticated by then) goes on.
    expect(await member.call('tasks.cancel')).toBe(
      '{"jsonrpc":"2.0","id":2,"result":{"cancelled":true}}',
    );
  });

  it('refuses any method before hello and closes', async () => {
    const env = await bound(probeEnv().env, { token: 's3cret' });
    const client = await env.connect();
    expect(await client.call('tasks.start', { id: 'probe', args: { tag: 'x' } })).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"unauthorized: send hello with the server token first"}}',
    );
    expect(await client.endOfStream()).toBe('');
    expect(env.server.channel.runnerCount).toBe(0);
  });

  it('closes an unauthenticated connection sending a notification, without a reply', async () => {
    const env = await bound(probeEnv().env, { token: 's3cret' });
    const client = await env.connect();
    client.send({
      jsonrpc: '2.0',
      method: 'tasks.start',
      params: { id: 'probe', args: { tag: 'x' } },
    });
    expect(await client.endOfStream()).toBe('');
    expect(env.server.channel.runnerCount).toBe(0);
  });

  it('admits a hello with the token, then every method', async () => {
    const env = await bound(probeEnv().env, { token: 's3cret' });
    const client = await env.connect();
    expect(await client.call('hello', { token: 's3cret' })).toMatch(
      /"result":\{"session_id":"sess-/,
    );
    await client.call('tasks.start', { id: 'probe', args: { tag: 'ok' } });
    expect(await client.call('tasks.grade', { answer: 'ok' })).toBe(SCORE_1(3));
    // Later hellos (the heartbeat) need not repeat it.
    expect(await client.call('hello', {})).toMatch(/"result":\{"session_id":"sess-/);
  });

  it('guards tunnel.open: refused without the token, spliced with it', async () => {
    const env = await served(conformanceEnv(), { token: 's3cret' });
    const refused = await env.connect();
    refused.send({ jsonrpc: '2.0', id: 1, method: 'tunnel.open', params: { capability: 'echo' } });
    expect(await refused.endOfStream()).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"unauthorized: tunnel.open needs the server token"}}\n',
    );
    const wrong = await env.connect();
    wrong.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tunnel.open',
      params: { capability: 'echo', token: 'nope' },
    });
    expect(await wrong.endOfStream()).toMatch(/unauthorized/);
    const admitted = await env.connect();
    admitted.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tunnel.open',
      params: { capability: 'echo', token: 's3cret' },
    });
    expect(await admitted.line()).toBe('{"jsonrpc":"2.0","id":1,"result":{"capability":"echo"}}');
    admitted.write('ping\n');
    expect(await admitted.line()).toBe('ping');
  });

  it('names the capabilities a token does not protect, and only with a token', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, warn: (message: string) => warnings.push(message), error() {} };
    const env = new Environment({
      name: 'mixed',
      capabilities: [
        { name: 'raw', protocol: 'tcp-echo/1', url: 'tcp://127.0.0.1:9' },
        { name: 'shell', protocol: 'ssh/2', url: 'ssh://127.0.0.1:22', params: {} },
      ],
    });
    env.mcp([]);
    await served(env, { logger });
    expect(warnings).toEqual([]);
    await closeAll();
    await served(env, { token: 's3cret', logger });
    // The MCP server started under the token is protected; ssh/2 has its own keys; the raw port is not.
    expect(warnings).toEqual([
      "capability 'raw' (tcp-echo/1) does not check the server token: any local process that finds its port can use it directly",
    ]);
  });

  it('refuses a maxFrameBytes the decoder cannot honour at bind time, naming it', async () => {
    await expect(bind(probeEnv().env, { maxFrameBytes: -1 })).rejects.toThrow(
      /maxFrameBytes must be a whole number/,
    );
  });
});

describe('bind / serve / close', () => {
  it('bind() does not run the initialize hooks', async () => {
    const env = new Environment();
    let started = false;
    env.initialize(() => {
      started = true;
    });
    const server = await bound(env);
    const client = await server.connect();
    expect((await client.request('hello', {})).result).toMatchObject({ bindings: [] });
    expect(started).toBe(false);
  });

  it('serve() runs the initialize hooks before binding: the first hello sees their capabilities', async () => {
    const env = conformanceEnv();
    const server = await served(env);
    const client = await server.connect();
    const hello = (await client.request('hello', {})).result as { bindings: { name: string }[] };
    expect(hello.bindings.map((binding) => binding.name)).toEqual(['echo', 'dead']);
  });

  it('serve() binds nothing when an initialize hook fails', async () => {
    const env = new Environment();
    const port = await freePort();
    env.initialize(() => {
      throw new Error('daemon did not start');
    });
    await expect(serve(env, { port })).rejects.toThrow('daemon did not start');
    const refused = await rejection(WireClient.connect(port));
    expect((refused as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('binds an IPv4 literal without a DNS lookup (a name still goes through one)', async () => {
    // Node's listen({host}) resolves the host through node:dns and runs its IPv6 regex over the answer:
    // milliseconds of CPU in every freshly started child.
    const lookup = vi.spyOn(dns, 'lookup');
    try {
      const literal = await bind(new Environment(), { host: '127.0.0.1' });
      expect(lookup).not.toHaveBeenCalled();
      const client = await WireClient.connect(literal.port);
      expect(await client.request('hello', {})).toHaveProperty('result');
      await client.close();
      await literal.close();
      const named = await bind(new Environment(), { host: 'localhost' });
      expect(lookup).toHaveBeenCalled();
      await named.close();
    } finally {
      lookup.mockRestore();
    }
  });

  it('serve() runs the shutdown hooks when binding fails', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const events: string[] = [];
      const env = new Environment();
      env.initialize(() => void events.push('init'));
      env.shutdown(() => void events.push('stop'));
      const error = await rejection(serve(env, { port }));
      expect((error as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      expect(events).toEqual(['init', 'stop']);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('close() of a served env cancels tasks, drops connections, then runs the shutdown hooks', async () => {
    const { env, events } = probeEnv();
    env.shutdown(() => void events.push('shutdown'));
    const server = await serve(env, { host: '127.0.0.1' });
    const client = await WireClient.connect(server.port);
    await client.call('tasks.start', { id: 'probe', args: { tag: 't' } });
    await server.close();
    expect(events).toEqual(['start:t', 'abort:t', 'finally:t', 'shutdown']);
    expect(await client.endOfStream()).toBe('');
    await server.close();
    expect(events.filter((event) => event === 'shutdown')).toHaveLength(1);
    expect(((await rejection(WireClient.connect(server.port))) as NodeJS.ErrnoException).code).toBe(
      'ECONNREFUSED',
    );
  });

  it('close() reports a failing shutdown hook through env.warn instead of rejecting', async () => {
    const env = new Environment();
    const warnings: string[] = [];
    env.warn = (message) => warnings.push(message);
    env.shutdown(() => {
      throw new Error('already stopped');
    });
    const server = await serve(env);
    await expect(server.close()).resolves.toBeUndefined();
    expect(warnings).toEqual(['shutdown hook failed: already stopped']);
  });

  it('close() of a bound env leaves the hooks alone', async () => {
    const { env, events } = probeEnv();
    env.shutdown(() => void events.push('shutdown'));
    const server = await bind(env);
    await server.close();
    expect(events).toEqual([]);
  });

  it('is disposable with await using', async () => {
    const { env, events } = probeEnv();
    env.shutdown(() => void events.push('shutdown'));
    let port = 0;
    {
      await using server = await serve(env);
      port = server.port;
    }
    expect(events).toEqual(['shutdown']);
    expect(((await rejection(WireClient.connect(port))) as NodeJS.ErrnoException).code).toBe(
      'ECONNREFUSED',
    );
  });

  it('finishes a task still starting when the server closes', async () => {
    const env = new Environment();
    const events: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    env.template({ id: 'slow' }, async function* () {
      try {
        events.push('entered');
        await gate;
        yield 'p';
      } finally {
        events.push('finally');
      }
    });
    const server = await bind(env);
    const client = await WireClient.connect(server.port);
    client.send({ jsonrpc: '2.0', id: 1, method: 'tasks.start', params: { id: 'slow' } });
    await eventually(() => events.includes('entered'), 'the template to start');
    await server.close();
    release();
    await eventually(() => events.includes('finally'), 'the late task to be finished');
    expect(events).toEqual(['entered', 'finally']);
    expect(server.channel.runnerCount).toBe(0);
    client.destroy();
  });

  it('reports its url and port, and counts open connections', async () => {
    const env = await bound(probeEnv().env);
    expect(env.server.url).toBe(`tcp://127.0.0.1:${env.port}`);
    expect(env.server.host).toBe('127.0.0.1');
    const first = await env.connect();
    await first.call('hello', {});
    const second = await env.connect();
    await second.call('hello', {});
    expect(env.server.connectionCount).toBe(2);
    await first.close();
    await eventually(() => env.server.connectionCount === 1, 'the connection count to drop');
  });

  it('exports the port announcement line prefix', () => {
    expect(PORT_ANNOUNCEMENT).toBe('HUD_SERVE_PORT=');
  });

  it('serves two binds of one env with separate session state', async () => {
    const env = new Environment();
    env.template({ id: 'echo', args: z.object({ word: z.string() }) }, async function* ({ word }) {
      const answer = yield word;
      yield answer === word ? 1 : 0;
    });
    const first = await bound(env);
    const second = await bound(env);
    const client = await first.connect();
    await client.call('tasks.start', { id: 'echo', args: { word: 'w' } });
    await client.close();
    const other = await second.connect();
    expect(await other.call('tasks.grade', { answer: 'w' })).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"no task in progress"}}',
    );
  });
});
