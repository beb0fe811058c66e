import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CapabilityForwarder } from './forwarder.js';

// A forwarder in front of a minimal control endpoint that answers tunnel.open (as a hud server does) and
// splices to a backend the test controls.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

/** Reads a socket to its end. */
function readAll(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

interface Endpoint {
  port: number;
  /** Each tunnel.open request line received. */
  requests: string[];
}

/**
 * A control endpoint: reads the first line, then answers `reply` (a string written verbatim, or a function
 * of the client socket that takes over, e.g. to splice) .
 */
async function controlEndpoint(
  answer: (socket: Socket, request: string) => void,
): Promise<Endpoint> {
  const requests: string[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const newline = pending.indexOf(0x0a);
      if (newline === -1) return;
      socket.off('data', onData);
      socket.pause();
      const request = pending.subarray(0, newline).toString();
      requests.push(request);
      const rest = pending.subarray(newline + 1);
      if (rest.length > 0) socket.unshift(rest);
      answer(socket, request);
    };
    socket.on('data', onData);
  });
  return { port: await listen(server), requests };
}

/** tunnel.open → connect to `backendPort`, reply, splice (what hud's server does). */
function spliceTo(backendPort: number) {
  return (socket: Socket) => {
    const backend = connect({ host: '127.0.0.1', port: backendPort, allowHalfOpen: true });
    backend.on('error', () => socket.destroy());
    backend.once('connect', () => {
      socket.write('{"jsonrpc":"2.0","id":1,"result":{"capability":"blob"}}\n');
      socket.pipe(backend);
      backend.pipe(socket);
    });
  };
}

async function forwarder(endpointPort: number, token?: string): Promise<CapabilityForwarder> {
  const forwarding = await CapabilityForwarder.listen({
    capability: 'blob',
    endpoint: { host: '127.0.0.1', port: endpointPort },
    token,
  });
  cleanups.push(() => forwarding.close());
  return forwarding;
}

function dial(port: number): Socket {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  cleanups.push(() => socket.destroy());
  return socket;
}

const SIZE = 8 * 1024 * 1024;

/**
 * 8 MiB `up` and 8 MiB `down` through a forwarder to a backend that reads its connection to the end
 * (`backendReceived`) while `answer` serves it; `client` is the local connection to the forwarder.
 */
async function spliceThrough(
  answer: (socket: Socket, down: Buffer, received: Promise<Buffer>) => void,
) {
  const up = randomBytes(SIZE);
  const down = randomBytes(SIZE);
  let backendReceived: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
  const backendPort = await listen(
    createServer({ allowHalfOpen: true }, (socket) => {
      backendReceived = readAll(socket);
      answer(socket, down, backendReceived);
    }),
  );
  const endpoint = await controlEndpoint(spliceTo(backendPort));
  const forwarding = await forwarder(endpoint.port);
  return {
    up,
    down,
    endpoint,
    client: dial(forwarding.port),
    backendReceived: () => backendReceived,
  };
}

describe('CapabilityForwarder', () => {
  it('splices 8 MiB each way; the client half-closes first and still receives the reply', async () => {
    // Answer only after the client's EOF came through: proves the forwarder half-closes.
    const { up, down, endpoint, client, backendReceived } = await spliceThrough(
      (socket, down, received) => void received.then(() => socket.end(down)),
    );
    const clientReceived = readAll(client);
    client.end(up);
    expect((await clientReceived).equals(down)).toBe(true);
    expect((await backendReceived()).equals(up)).toBe(true);
    expect(endpoint.requests).toEqual([
      '{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":"blob"}}',
    ]);
  });

  it("sends the server's token in tunnel.open when it has one", async () => {
    const backendPort = await listen(createServer((socket) => socket.end('hi')));
    const endpoint = await controlEndpoint(spliceTo(backendPort));
    const forwarding = await forwarder(endpoint.port, 's3cret');
    expect((await readAll(dial(forwarding.port))).toString()).toBe('hi');
    expect(endpoint.requests).toEqual([
      '{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":"blob","token":"s3cret"}}',
    ]);
  });

  it('splices 8 MiB each way; the backend half-closes first and still receives the upload', async () => {
    const { up, down, client, backendReceived } = await spliceThrough((socket, down) =>
      socket.end(down),
    );
    // Upload only once the backend's EOF arrived: the client → backend direction must still be open.
    expect((await readAll(client)).equals(down)).toBe(true);
    client.end(up);
    expect((await backendReceived()).equals(up)).toBe(true);
  });

  it('forwards bytes that arrive in the same chunk as the tunnel.open reply', async () => {
    const endpoint = await controlEndpoint((socket) => {
      socket.end('{"jsonrpc":"2.0","id":1,"result":{"capability":"blob"}}\nbanner\nmore');
    });
    const forwarding = await forwarder(endpoint.port);
    const client = dial(forwarding.port);
    const received = readAll(client);
    client.end();
    expect((await received).toString()).toBe('banner\nmore');
  });

  it('closes the local connection without data when the tunnel is refused or unanswered', async () => {
    const refusing = await controlEndpoint((socket) =>
      socket.end(
        '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"\\"unknown capability: \'blob\'\\""}}\n',
      ),
    );
    const refused = dial((await forwarder(refusing.port)).port);
    expect((await readAll(refused)).length).toBe(0);

    const silent = await controlEndpoint((socket) => socket.end());
    const unanswered = dial((await forwarder(silent.port)).port);
    expect((await readAll(unanswered)).length).toBe(0);
  });

  it('close() stops listening and ends open tunnels', async () => {
    const backendPort = await listen(createServer({ allowHalfOpen: true }, () => undefined));
    const endpoint = await controlEndpoint(spliceTo(backendPort));
    const forwarding = await forwarder(endpoint.port);
    const client = dial(forwarding.port);
    const ended = new Promise<void>((resolve) => {
      client.once('end', () => resolve());
      client.once('close', () => resolve());
    });
    client.resume();
    client.on('error', () => undefined);
    client.write('hello?');
    while (endpoint.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await forwarding.close();
    await ended;
    const refused = await new Promise<string | undefined>((resolve) => {
      const probe = connect({ host: '127.0.0.1', port: forwarding.port });
      probe.once('connect', () => {
        probe.destroy();
        resolve(undefined);
      });
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
