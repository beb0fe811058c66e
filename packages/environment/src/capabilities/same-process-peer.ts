import { readdir, readFile, readlink } from 'node:fs/promises';
import type { Socket } from 'node:net';

/** Whether {@link connectedFromThisProcess} can tell (it reads Linux's /proc). */
export const canCheckPeerProcess = process.platform === 'linux';

/** `127.0.0.1:port` as /proc/net/tcp writes it (address in host byte order, little-endian on Linux). */
function procAddress(port: number): string {
  return `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Whether `socket`, accepted on 127.0.0.1, was opened by this very process (its other end is one of our
 * own file descriptors): the tunnel of the control channel and the environment's own code qualify; any
 * other local process, the environment's child processes included, does not. Linux only: finds the
 * peer's socket inode in /proc/net/tcp and looks for it among /proc/self/fd.
 * @returns false when it cannot tell (not Linux, not IPv4 loopback, the peer already gone).
 */
export async function connectedFromThisProcess(socket: Socket): Promise<boolean> {
  if (!canCheckPeerProcess) return false;
  const { remoteAddress, remotePort, localPort } = socket;
  if (remoteAddress !== '127.0.0.1' || remotePort === undefined || localPort === undefined) {
    return false;
  }
  // The peer's row: its local address is our remote one and the other way round.
  const wanted = `${procAddress(remotePort)} ${procAddress(localPort)}`;
  let inode: string | undefined;
  try {
    for (const row of (await readFile('/proc/net/tcp', 'utf8')).split('\n')) {
      const fields = row.trim().split(/\s+/);
      if (`${fields[1]} ${fields[2]}` === wanted) {
        inode = fields[9];
        break;
      }
    }
  } catch {
    return false;
  }
  if (inode === undefined || inode === '0') return false;
  const target = `socket:[${inode}]`;
  let descriptors: string[];
  try {
    descriptors = await readdir('/proc/self/fd');
  } catch {
    return false;
  }
  for (const descriptor of descriptors) {
    try {
      if ((await readlink(`/proc/self/fd/${descriptor}`)) === target) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}
