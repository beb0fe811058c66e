/**
 * The tunnel benchmark's environment: two raw TCP capabilities served in-process, published from an
 * initialize hook (as examples/conformance/env.ts publishes `echo`):
 * - `sink` counts the bytes it receives and, after the client's FIN, replies with the count and closes;
 * - `echo` writes every byte back, and closes after the client's FIN.
 */
import net from 'node:net';
import { Environment } from '@hud/environment';

export const env = new Environment({ name: 'bench-streams', version: '0.0.0' });

const servers: net.Server[] = [];

function sink(socket: net.Socket): void {
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on('end', () => socket.end(`${bytes}\n`));
  socket.on('error', () => socket.destroy());
}

function echo(socket: net.Socket): void {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
}

async function listen(handler: (socket: net.Socket) => void): Promise<string> {
  const server = net.createServer({ allowHalfOpen: true }, handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

env.initialize(async () => {
  env.addCapability({ name: 'sink', protocol: 'tcp-sink/1', url: await listen(sink) });
  env.addCapability({ name: 'echo', protocol: 'tcp-echo/1', url: await listen(echo) });
});

env.shutdown(() => {
  // Not awaited: close() waits for open connections, and a bench server is killed anyway.
  for (const server of servers.splice(0)) server.close();
});
