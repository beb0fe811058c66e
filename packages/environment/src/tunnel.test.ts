import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceEnv } from './__fixtures__/conformance-env.js';
import { bound, closeAll, normalized, type Served, served } from './__fixtures__/served.js';
import { eventually, recordedLines, type WireClient } from './__fixtures__/wire-client.js';
import { Environment } from './environment.js';

const backends: net.Server[] = [];
const backendSockets = new Set<net.Socket>();

afterEach(async () => {
  await closeAll();
  for (const socket of backendSockets) socket.destroy();
  backendSockets.clear();
  await Promise.all(
    backends
      .splice(0)
      .map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

/** A loopback backend running `handler` per connection; returns its port. */
async function backend(handler: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    backendSockets.add(socket);
    socket.once('close', () => backendSockets.delete(socket));
    socket.on('error', () => undefined);
    handler(socket);
  });
  backends.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const echo = (socket: net.Socket) => socket.pipe(socket);

/** An env publishing one capability per entry, bound on loopback. */
async function envWith(capabilities: Record<string, string>): Promise<Served> {
  const env = new Environment({ name: 'tunnels' });
  for (const [name, url] of Object.entries(capabilities)) {
    env.addCapability({ name, protocol: 'tcp/1', url });
  }
  return bound(env);
}

async function openTunnel(env: Served, capability: string, id: unknown = 1): Promise<WireClient> {
  const client = await env.connect();
  client.send({ jsonrpc: '2.0', id, method: 'tunnel.open', params: { capability } });
  return client;
}

describe('tunnel.open', () => {
  it('replies {capability} and splices bytes to the capability (raw_17)', async () => {
    const env = await served(conformanceEnv());
    const client = await openTunnel(env, 'echo', 7);
    expect(await client.line()).toBe(recordedLines('raw_17_tunnel_open.json', 's2c', 2)[0]);
    client.write('hello through the tunnel\n');
    expect(await client.line()).toBe('hello through the tunnel');
    const binary = Buffer.from([0x00, 0x01, 0x62, 0xff, 0x0a]);
    client.write(binary);
    expect(await client.bytes(5)).toEqual(binary);
  });

  it.each([
    [
      'with an id after its reply frame',
      '{"jsonrpc": "2.0", "id": 1, "method": "tunnel.open", "params": {"capability": "echo"}}',
      '{"jsonrpc":"2.0","id":1,"result":{"capability":"echo"}}',
    ],
    [
      'without an id with no reply frame',
      '{"jsonrpc":"2.0","method":"tunnel.open","params":{"capability":"echo"}}',
      undefined,
    ],
  ])('forwards bytes sent in the same write as a preface %s', async (_case, preface, reply) => {
    const env = await envWith({ echo: `tcp://127.0.0.1:${await backend(echo)}` });
    const client = await env.connect();
    client.write(`${preface}\nsame-write-bytes\n`);
    if (reply !== undefined) expect(await client.line()).toBe(reply);
    expect(await client.line()).toBe('same-write-bytes');
  });

  it('only reaches declared capabilities: unknown name → one error frame, then close', async () => {
    let connections = 0;
    const port = await backend((socket) => {
      connections++;
      socket.end();
    });
    const env = await envWith({ real: `tcp://127.0.0.1:${port}` });
    const client = await openTunnel(env, 'nope');
    // hud-python writes str(KeyError) with extra quotes; ours drops them (a listed deviation).
    expect(await client.endOfStream()).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"unknown capability: 'nope'"}}\n`,
    );
    const hostPort = await openTunnel(env, `127.0.0.1:${port}`);
    expect(await hostPort.endOfStream()).toMatch(/unknown capability/);
    expect(connections).toBe(0);
  });

  it('refuses a missing or non-string capability with the recorded -32602 frames (raw_18)', async () => {
    const env = await served(conformanceEnv());
    const cases: [number, unknown][] = [
      [2, { capability: 5 }],
      [3, {}],
      [4, undefined],
    ];
    for (const [conn, params] of cases) {
      const client = await env.connect();
      const frame: Record<string, unknown> = { jsonrpc: '2.0', id: conn, method: 'tunnel.open' };
      if (params !== undefined) frame.params = params;
      client.send(frame);
      expect(await client.endOfStream()).toBe(
        `${recordedLines('raw_18_tunnel_errors.json', 's2c', conn)[0]}\n`,
      );
    }
  });

  it('closes silently when a refused preface has no id (raw_18 conn 6)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    client.send({ jsonrpc: '2.0', method: 'tunnel.open', params: { capability: 'nope' } });
    expect(await client.endOfStream()).toBe('');
  });

  it("reports a refused backend connect with Python's errno text (raw_18 conn 5)", async () => {
    const env = await served(conformanceEnv());
    const client = await openTunnel(env, 'dead', 5);
    expect(await client.endOfStream()).toBe(
      `${recordedLines('raw_18_tunnel_errors.json', 's2c', 5)[0]}\n`,
    );
  });

  it('names the refused host and port', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const env = await envWith({ gone: `tcp://127.0.0.1:${port}` });
    const client = await openTunnel(env, 'gone');
    expect(await client.endOfStream()).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"[Errno 111] Connect call failed ('127.0.0.1', ${port})"}}\n`,
    );
  });

  it('refuses a capability whose url has no host:port', async () => {
    const env = await envWith({ sock: 'unix:///tmp/x.sock', noport: 'http://127.0.0.1/path' });
    for (const name of ['sock', 'noport']) {
      const client = await openTunnel(env, name);
      expect(await client.endOfStream()).toBe(
        `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"capability '${name}' has no host:port to tunnel to"}}\n`,
      );
    }
  });

  it('carries 8 MiB of random bytes each way, unchanged', async () => {
    const toBackend = randomBytes(8 * 1024 * 1024);
    const toClient = randomBytes(8 * 1024 * 1024);
    let received: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const port = await backend((socket) => {
      received = new Promise((resolve) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.once('end', () => resolve(Buffer.concat(chunks)));
      });
      socket.end(toClient);
    });
    const env = await envWith({ bulk: `tcp://127.0.0.1:${port}` });
    const client = await openTunnel(env, 'bulk');
    expect(await client.line()).toBe('{"jsonrpc":"2.0","id":1,"result":{"capability":"bulk"}}');
    client.write(toBackend);
    client.end();
    const back = await client.rest();
    const sha = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');
    expect(back.length).toBe(toClient.length);
    expect(sha(back)).toBe(sha(toClient));
    const got = await received;
    expect(got.length).toBe(toBackend.length);
    expect(sha(got)).toBe(sha(toBackend));
  });

  it('propagates half-close: the backend sees the end and its reply still arrives, then close', async () => {
    const order: string[] = [];
    const port = await backend((socket) => {
      let total = 0;
      socket.on('data', (chunk: Buffer) => {
        total += chunk.length;
      });
      socket.once('end', () => {
        order.push('backend saw end');
        socket.end(`got ${total} bytes\n`);
      });
    });
    const env = await envWith({ half: `tcp://127.0.0.1:${port}` });
    const client = await openTunnel(env, 'half');
    await client.line();
    client.write('12345');
    client.end();
    expect(await client.line()).toBe('got 5 bytes');
    expect(order).toEqual(['backend saw end']);
    expect(await client.endOfStream()).toBe('');
    await client.closed();
  });

  it('ends the client stream when the backend closes first', async () => {
    const port = await backend((socket) => socket.end('bye\n'));
    const env = await envWith({ brief: `tcp://127.0.0.1:${port}` });
    const client = await openTunnel(env, 'brief');
    await client.line();
    expect(await client.endOfStream()).toBe('bye\n');
  });

  it('serves many tunnels and a control session on one port at once', async () => {
    const env = await served(conformanceEnv());
    const control = await env.connect();
    await control.call('hello', {});
    const tunnels = await Promise.all(
      Array.from({ length: 8 }, async (_, index) => {
        const client = await openTunnel(env, 'echo', index);
        expect(await client.line()).toBe(
          `{"jsonrpc":"2.0","id":${index},"result":{"capability":"echo"}}`,
        );
        return client;
      }),
    );
    for (const [index, client] of tunnels.entries()) client.write(`tunnel ${index}\n`);
    for (const [index, client] of tunnels.entries()) {
      expect(await client.line()).toBe(`tunnel ${index}`);
    }
    expect(normalized(await control.call('tasks.cancel'))).toBe(
      '{"jsonrpc":"2.0","id":2,"result":{"cancelled":true}}',
    );
  });

  it('closes a refused tunnel fully, without waiting for the client to end its side', async () => {
    const env = await envWith({});
    const client = await openTunnel(env, 'nope');
    await client.endOfStream();
    await eventually(
      () => env.server.connectionCount === 0,
      'the refused connection to close',
      // The server lingers up to 1 s for the client's end before dropping the connection.
      3000,
    );
  });

  it('is dropped, backend side included, when the server closes', async () => {
    let backendClosed = false;
    const port = await backend((socket) => {
      socket.once('close', () => {
        backendClosed = true;
      });
      echo(socket);
    });
    const env = await envWith({ echo: `tcp://127.0.0.1:${port}` });
    const client = await openTunnel(env, 'echo');
    await client.line();
    client.write('x\n');
    await client.line();
    await env.server.close();
    expect(await client.endOfStream()).toBe('');
    await eventually(() => backendClosed, 'the backend connection to close', 1000);
  });
});
