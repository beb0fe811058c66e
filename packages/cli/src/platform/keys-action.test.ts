import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyLimitsOf, keysRevoke, keysUpdate } from './keys-action.js';

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
  vi.unstubAllEnvs();
});

describe('hud keys create/update limit flags', () => {
  it('refuses a limit above what the gateway stores, naming the flag and the range, before any request', () => {
    expect(() => keyLimitsOf({ rpm: '99999999999999999999' }, false)).toThrow(
      "--rpm must be a whole number of requests from 1 to 2147483647, got '99999999999999999999'",
    );
    expect(() => keyLimitsOf({ tpm: '2147483648' }, true)).toThrow(
      "--tpm must be a whole number of tokens from 1 to 2147483647, or 'none' to remove it",
    );
    expect(() => keyLimitsOf({ budgetUsd: '1e13' }, false)).toThrow(
      '--budget-usd must be US dollars from 0 to 1e12',
    );
    expect(keyLimitsOf({ rpm: '2147483647', budgetUsd: '2.50' }, false)).toEqual({
      requests_per_minute: 2147483647,
      budget_usd: 2.5,
    });
  });
});

describe('hud keys update/revoke of an unknown id', () => {
  it('says where the ids are listed', async () => {
    server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'no key with id w1' } }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    vi.stubEnv('HUD_API_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    vi.stubEnv('HUD_API_KEY', 'hud_admin_key');
    await expect(keysUpdate('w1', { rpm: '5' })).rejects.toThrow(
      'no key with id w1: give the id column of hud keys list (not the name or prefix)',
    );
    await expect(keysRevoke('w1', {})).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('give the id column of hud keys list'),
    });
  });
});
