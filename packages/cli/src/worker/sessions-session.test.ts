import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postJson } from './sessions-session.js';

/** A port of 127.0.0.1 nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('postJson (a worker claiming runtime sessions)', () => {
  it('names the URL and the network error when the gateway cannot be reached, never the key', async () => {
    const port = await closedPort();
    const attempt = postJson(
      { url: `http://127.0.0.1:${port}`, apiKey: 'hud_secret_worker_key' },
      '/v2/workers/sessions/claim',
      { worker_id: 'w', capacity: 1, wait_s: 0 },
    );
    await expect(attempt).rejects.toThrow(
      `POST http://127.0.0.1:${port}/v2/workers/sessions/claim failed: fetch failed (ECONNREFUSED)`,
    );
    await expect(attempt).rejects.not.toThrow('hud_secret_worker_key');
  });
});
