import path from 'node:path';
import { HudError } from '@hud/protocol';
import { createViewServer } from '../view/server.js';

/** Parses `--port`: an integer 0–65535. @throws HudError `invalid_argument` naming the flag. */
export function parseViewPort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) {
    throw new HudError('invalid_argument', `--port: expected a port number 0-65535, got '${text}'`);
  }
  return port;
}

/**
 * `hud view`: serves the viewer over the job store `store` on 127.0.0.1 and prints its URL; runs until
 * SIGINT/SIGTERM.
 * @throws HudError `invalid_argument` for a bad port, `connection_failed` when the port is taken.
 */
export async function viewCommand(store: string, flags: { port: string }): Promise<void> {
  const port = parseViewPort(flags.port);
  const app = createViewServer({ store });
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (cause) {
    await app.close();
    const code = (cause as NodeJS.ErrnoException).code;
    throw new HudError(
      'connection_failed',
      code === 'EADDRINUSE'
        ? `port ${port} on 127.0.0.1 is in use: pass --port <another> (or --port 0 for any free port)`
        : `cannot listen on 127.0.0.1:${port}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(`hud view: the jobs of ${path.resolve(store)} at http://127.0.0.1:${bound}/jobs`);
  console.log('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void app.close().then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
