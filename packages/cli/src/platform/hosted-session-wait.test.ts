import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TaskRow } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseProvider } from '../eval/provider-choice.js';

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

const task: TaskRow = { env: 'letter-count', id: 'count', slug: 'count-1', args: {} };

/** A gateway stand-in whose one session stays `queued` (no worker ever claims it); its URL. */
async function gatewayWithoutWorkers(): Promise<string> {
  server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const url = request.url ?? '';
    const session = { id: 's1', environment: 'letter-count', status: 'queued' };
    if (request.method === 'GET' && url === '/runtime/sessions')
      response.end(JSON.stringify({ sessions: [session] }));
    else if (request.method === 'DELETE')
      response.end(JSON.stringify({ ...session, status: 'ended' }));
    // POST creates it, GET /runtime/sessions/s1 reads it: queued for ever (no worker).
    else response.end(JSON.stringify(session));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('--runtime hud with no worker serving the environment', () => {
  it('says the rollout waits for a hud worker, then gives up after --ready-timeout (not 300 s)', async () => {
    const url = await gatewayWithoutWorkers();
    const warnings: string[] = [];
    const chosen = await chooseProvider({
      runtime: 'hud',
      source: 'tasks.ts',
      prewarm: 0,
      readyTimeoutMs: 1_000,
      settings: { HUD_API_KEY: 'hud_secret_key', HUD_API_URL: url },
      logger: { debug: () => {}, warn: (line) => warnings.push(line), error: () => {} },
    });
    try {
      await expect(chosen.provider(task)).rejects.toThrow('was not ready within 1 s');
    } finally {
      await chosen.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "environment 'letter-count': no worker has claimed its session after",
    );
    expect(warnings[0]).toContain(`waiting for a hud worker on ${url}`);
    expect(warnings[0]).toContain('the rollout gives up after 1 s');
    expect(warnings[0]).not.toContain('hud_secret_key');
  }, 15_000);
});
