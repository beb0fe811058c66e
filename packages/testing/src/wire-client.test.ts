import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WireClient } from './wire-client.js';

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A server on 127.0.0.1:0 that hands every connection to `onConnection`; its port. */
async function serverPort(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('WireClient', () => {
  it('reads lines, then tells a partial last line and the end of stream apart in both styles', async () => {
    const port = await serverPort((socket) => socket.end('first\nsecond\npartial'));
    const strict = await WireClient.connect(port);
    expect(await strict.line()).toBe('first');
    expect(await strict.nextLine()).toBe('second');
    await expect(strict.line()).rejects.toThrow(
      'stream ended before a full line (pending: partial)',
    );
    expect((await strict.rest()).toString()).toBe('partial');
    expect(strict.ended).toBe(true);
    strict.destroy();

    const probing = await WireClient.connect(port);
    expect(await probing.nextLine()).toBe('first');
    expect(await probing.nextLine()).toBe('second');
    expect(await probing.nextLine()).toBeNull();
    expect((await probing.untilEnd()).toString()).toBe('partial');
    probing.destroy();
  });

  it('reads raw bytes: bytes() refuses a short stream, nextBytes() returns what came', async () => {
    const port = await serverPort((socket) => socket.end(Buffer.from([1, 2, 3])));
    const strict = await WireClient.connect(port);
    expect([...(await strict.bytes(2))]).toEqual([1, 2]);
    await expect(strict.bytes(2)).rejects.toThrow('stream ended after 1 of 2 bytes');
    strict.destroy();
    const probing = await WireClient.connect(port);
    expect([...(await probing.nextBytes(5))]).toEqual([1, 2, 3]);
    probing.destroy();
  });

  it('sends JSON-RPC requests with increasing ids and returns the reply', async () => {
    const port = await serverPort((socket) => socket.pipe(socket));
    const client = await WireClient.connect(port);
    expect(JSON.parse(await client.call('hello', { a: 1 }))).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'hello',
      params: { a: 1 },
    });
    expect(await client.request('tasks.list')).toEqual({
      jsonrpc: '2.0',
      id: 2,
      method: 'tasks.list',
    });
    await client.close().catch(() => undefined);
    client.destroy();
  });

  it('rejects a wait past its deadline, naming what it waited for', async () => {
    const port = await serverPort(() => undefined);
    const client = await WireClient.connect(port, { deadlineMs: 50 });
    await expect(client.line()).rejects.toThrow('deadline passed waiting for a line');
    await expect(client.nextBytes(4, 20)).rejects.toThrow('deadline passed waiting for 4 bytes');
    client.destroy();
  });

  it('rejects a refused connection with the socket error', async () => {
    const port = await serverPort(() => undefined);
    await new Promise((resolve) => (servers.pop() as net.Server).close(resolve));
    await expect(WireClient.connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
