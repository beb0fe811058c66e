import type { Server } from 'node:net';

/** The TCP port `server` listens on (0 before it listens). */
export function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
