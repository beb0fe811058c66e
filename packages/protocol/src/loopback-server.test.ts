import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LoopbackServer } from './loopback-server.js';

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('LoopbackServer', () => {
  it('hands each connection on 127.0.0.1 over paused, and close destroys the connections it tracks', async () => {
    const accepted: Socket[] = [];
    const listener = await LoopbackServer.listen((socket) => {
      expect(socket.isPaused()).toBe(true);
      accepted.push(socket);
      socket.resume();
      socket.write('hello');
    });
    const client = connect({ host: '127.0.0.1', port: listener.port });
    const greeting = await new Promise<string>((resolve) =>
      client.once('data', (chunk) => resolve(chunk.toString())),
    );
    expect(greeting).toBe('hello');
    expect(accepted[0]?.localAddress).toBe('127.0.0.1');
    const other = connect({ host: '127.0.0.1', port: listener.port });
    await new Promise((resolve) => other.once('connect', resolve));
    // A socket of its own (e.g. the upstream of a tunnel) is destroyed on close too.
    listener.track(other);
    const ends = [closed(client), closed(other)];
    await Promise.all([listener.close(), listener.close()]);
    await Promise.all(ends);
    expect(other.destroyed).toBe(true);
    await expect(
      new Promise((resolve, reject) => {
        const late = connect({ host: '127.0.0.1', port: listener.port });
        late.once('connect', resolve);
        late.once('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
