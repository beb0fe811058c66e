import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Where the bridge and its copy of `ws` are written inside the sandbox. */
export const BRIDGE_DIR = '/tmp/hud-bridge';

/**
 * The bridge run inside the sandbox (`node bridge.cjs <listen port> <control port>`): a WebSocket server
 * (the `ws` package, uploaded beside it) on `0.0.0.0:<listen port>` — reachable through E2B's port host —
 * whose every connection is spliced to the control port on the sandbox's loopback, binary frames both ways.
 */
export const BRIDGE_SCRIPT = `'use strict';
const net = require('node:net');
const { WebSocketServer, createWebSocketStream } = require('ws');
const [listenPort, targetPort] = process.argv.slice(2).map(Number);
const server = new WebSocketServer({ host: '0.0.0.0', port: listenPort, perMessageDeflate: false });
server.on('connection', (socket) => {
  const tcp = net.connect(targetPort, '127.0.0.1');
  tcp.setNoDelay(true);
  const stream = createWebSocketStream(socket);
  const drop = () => { tcp.destroy(); socket.terminate(); };
  stream.on('error', drop);
  tcp.on('error', drop);
  stream.pipe(tcp);
  tcp.pipe(stream);
});
server.on('listening', () => console.log('hud bridge: ws 0.0.0.0:' + listenPort + ' -> tcp 127.0.0.1:' + targetPort));
`;

/** A file to write into the sandbox. */
export interface SandboxFile {
  readonly path: string;
  readonly data: string;
}

let cached: Promise<SandboxFile[]> | undefined;

/**
 * The bridge script and the `ws` package this runtime depends on (its `package.json`, `index.js`,
 * `wrapper.mjs` and `lib/*.js`), as files under {@link BRIDGE_DIR}: the sandbox needs `node` only.
 */
export function bridgeFiles(): Promise<SandboxFile[]> {
  cached ??= (async () => {
    const require = createRequire(import.meta.url);
    const root = path.dirname(require.resolve('ws/package.json'));
    const files: SandboxFile[] = [{ path: `${BRIDGE_DIR}/bridge.cjs`, data: BRIDGE_SCRIPT }];
    const names = ['package.json', 'index.js', 'wrapper.mjs'];
    const lib = (await readdir(path.join(root, 'lib'))).filter((name) => name.endsWith('.js'));
    for (const name of [...names, ...lib.map((file) => `lib/${file}`)]) {
      const data = await readFile(path.join(root, name), 'utf8').catch(() => undefined);
      if (data !== undefined) files.push({ path: `${BRIDGE_DIR}/node_modules/ws/${name}`, data });
    }
    return files;
  })();
  return cached;
}
