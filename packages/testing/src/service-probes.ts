import { connect } from 'node:net';

/**
 * A raw MCP `initialize` request (JSON-RPC id 1, protocol version 2025-11-25, client `raw` 1), the body a
 * test POSTs to an MCP endpoint to see whether it answers (and with which HTTP status).
 */
export const MCP_INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
});

/**
 * The RFB 3.8 security types the VNC server at `url` (`<scheme>://<host>:<port>`, e.g. a screen binding's
 * `tcp://127.0.0.1:5901`) offers (1 = None, 2 = VNC authentication): reads its 12-byte version, answers
 * `RFB 003.008`, reads the type list, and closes.
 * @throws TypeError for a URL that does not parse; the socket's error (ECONNREFUSED…).
 */
export function rfbSecurityTypes(url: string): Promise<number[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      const bytes = Buffer.concat(received);
      if (bytes.length === 12) socket.write('RFB 003.008\n');
      if (bytes.length > 12 && bytes.length >= 13 + (bytes[12] as number)) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const bytes = Buffer.concat(received);
      resolve([...bytes.subarray(13, 13 + (bytes[12] ?? 0))]);
    });
  });
}
