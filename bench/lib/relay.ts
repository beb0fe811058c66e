/**
 * A bench-local `tunnel.open` server: the same preface handling as packages/environment (first line
 * names the capability; reply `{capability}`; bytes after the line go to the backend), with a pluggable
 * splice, so splice implementations can be compared on the same sink/echo backends.
 */
import net from 'node:net';
import type { SpliceKind } from './splices.ts';

/** Listens on 127.0.0.1:0 and resolves with the port. */
export async function startRelay(
  endpoints: ReadonlyMap<string, { host: string; port: number }>,
  kind: SpliceKind,
): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const parts: Buffer[] = [];
    client.on('error', () => client.destroy());
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      if (newline === -1) {
        parts.push(chunk);
        return;
      }
      parts.push(chunk.subarray(0, newline));
      client.off('data', onData);
      client.pause();
      const request = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        params: { capability: string };
      };
      const remainder = Buffer.from(chunk.subarray(newline + 1));
      const name = request.params.capability;
      const endpoint = endpoints.get(name);
      if (!endpoint) {
        client.destroy();
        return;
      }
      const backend =
        kind.connect?.(endpoint, client) ??
        net.connect({ ...endpoint, allowHalfOpen: true, noDelay: true });
      backend.once('error', () => client.destroy());
      backend.once('connect', () => {
        backend.removeAllListeners('error');
        client.write(`{"jsonrpc":"2.0","id":1,"result":{"capability":"${name}"}}\n`);
        if (remainder.length > 0) backend.write(remainder);
        kind.splice(client, backend);
      });
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}
