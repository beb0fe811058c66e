import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientChannel } from './client-channel.js';
import { connectSocket } from './connect-socket.js';
import { HudError } from './errors.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server that answers the first request line with `reply` (any bytes) and then stays silent. */
async function serverReplying(reply: (socket: Socket) => void): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => reply(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return server;
}

describe('ClientChannel reading replies', () => {
  it('fails a call as soon as its reply passes maxFrameBytes, without waiting for the newline', async () => {
    const limit = 256 * 1024;
    // Four times the limit of one JSON string, then nothing: no newline ever comes, the socket stays open.
    const server = await serverReplying((socket) => {
      socket.write(`{"jsonrpc":"2.0","id":1,"result":{"prompt":"${'x'.repeat(4 * limit)}`);
    });
    const { port } = server.address() as { port: number };
    const channel = new ClientChannel(await connectSocket({ host: '127.0.0.1', port }), {
      maxFrameBytes: limit,
    });
    cleanups.push(() => channel.close());
    const error = await channel.call('tasks.start', { id: 't' }).catch((thrown: unknown) => thrown);
    expect(HudError.isInstance(error) && error.code).toBe('frame_too_large');
    expect((error as Error).message).toContain(`limit of ${limit} bytes`);
    expect(channel.signal.aborted).toBe(true);
  });
});
