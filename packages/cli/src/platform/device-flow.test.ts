import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rejectionOf } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformClient } from './client.js';
import { type DeviceCode, deviceLogin, LoginError } from './device-flow.js';
import { DEFAULT_PLATFORM_URLS } from './urls.js';

/** One scripted answer of `/auth/device/token`: status and JSON body. */
type Answer = [number, unknown];

interface Platform {
  client: PlatformClient;
  /** Every request as `METHOD path body`. */
  requests: { method: string; path: string; body: unknown; authorization: string | undefined }[];
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const CODE = {
  device_code: 'dev-123',
  user_code: 'BCDF-GHJK',
  verification_uri: 'http://127.0.0.1/device',
  verification_uri_complete: 'http://127.0.0.1/device?code=BCDF-GHJK',
  expires_in: 600,
  interval: 2,
};

/** A real HTTP platform on 127.0.0.1 answering the code request, then `tokens` in order. */
async function platform(tokens: Answer[], code: unknown = CODE): Promise<Platform> {
  const requests: Platform['requests'] = [];
  const queue = [...tokens];
  server = createServer(async (request, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      body: raw ? JSON.parse(raw) : undefined,
      authorization: request.headers.authorization,
    });
    const [status, body] =
      request.url === '/auth/device/code'
        ? [200, code]
        : (queue.shift() ?? [400, { error: 'authorization_pending' }]);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new PlatformClient({
    urls: { ...DEFAULT_PLATFORM_URLS, api: `http://127.0.0.1:${port}` },
    apiKey: 'hud-must-not-be-sent',
    retries: 0,
  });
  return { client, requests };
}

/** Runs the flow against `p`, recording the waits instead of waiting. */
async function login(p: Platform, now: () => number = Date.now) {
  const sleeps: number[] = [];
  const shown: DeviceCode[] = [];
  const result = deviceLogin({
    client: p.client,
    clientName: 'test-host',
    clientVersion: '9.9.9',
    onCode: (code) => shown.push(code),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now,
  });
  return { result, sleeps, shown };
}

describe('deviceLogin (RFC 8628 as hud-python runs it)', () => {
  it('asks for a code without a key, shows it, polls through pending, 5xx and slow_down, and returns the key', async () => {
    const p = await platform([
      [400, { error: 'authorization_pending', error_description: 'waiting' }],
      [503, { error: { code: 'unavailable', message: 'restarting' } }],
      [400, { error: 'slow_down' }],
      [400, { error: 'authorization_pending' }],
      [
        200,
        { api_key: 'hud_new_secret', user: { email: 'a@example.com' }, team: { name: 'core' } },
      ],
    ]);
    const { result, sleeps, shown } = await login(p);
    expect(await result).toEqual({
      apiKey: 'hud_new_secret',
      email: 'a@example.com',
      team: 'core',
    });
    expect(shown).toEqual([expect.objectContaining({ user_code: 'BCDF-GHJK' })]);
    // The interval the platform gave (2 s), 5 s more after slow_down.
    expect(sleeps).toEqual([2000, 2000, 2000, 7000, 7000]);
    expect(p.requests[0]).toEqual({
      method: 'POST',
      path: '/auth/device/code',
      body: { client_name: 'test-host', client_version: '9.9.9' },
      authorization: undefined,
    });
    expect(p.requests.slice(1).map((request) => [request.path, request.body])).toEqual(
      Array(5).fill(['/auth/device/token', { device_code: 'dev-123' }]),
    );
    expect(p.requests.every((request) => request.authorization === undefined)).toBe(true);
  });

  it('waits 5 s between polls when the platform names no interval', async () => {
    const p = await platform([[200, { api_key: 'k' }]], { ...CODE, interval: undefined });
    const { result, sleeps } = await login(p);
    expect(await result).toEqual({ apiKey: 'k', email: null, team: null });
    expect(sleeps).toEqual([5000]);
  });

  it.each([
    ['expired_token', 'expired', /expired before it was approved: run hud login again/],
    ['access_denied', 'denied', /was denied/],
    ['invalid_grant', 'rejected', /refused the login \(invalid_grant: used\)/],
  ])('ends on %s with a LoginError %s', async (error, code, message) => {
    const p = await platform([
      [400, { error: 'authorization_pending' }],
      [400, { error, error_description: 'used' }],
    ]);
    const failure = await rejectionOf((await login(p)).result);
    expect(LoginError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code });
    expect((failure as Error).message).toMatch(message);
  });

  it('gives up once the code has expired locally, without another poll', async () => {
    const p = await platform([]);
    let clock = 0;
    const { result } = await login(p, () => {
      clock += 400_000; // each look at the clock: 400 s later (the code lives 600 s)
      return clock;
    });
    const failure = await rejectionOf(result);
    expect(failure).toMatchObject({ code: 'expired' });
    // The code request and one poll: the second look at the clock is past the deadline.
    expect(p.requests.map((request) => request.path)).toEqual([
      '/auth/device/code',
      '/auth/device/token',
    ]);
  });

  it('refuses an approval without an api_key', async () => {
    const p = await platform([[200, { access_token: 'x' }]]);
    const failure = await rejectionOf((await login(p)).result);
    expect(failure).toMatchObject({ code: 'rejected' });
    expect((failure as Error).message).toMatch(/no api_key/);
  });

  it('reports a code answer of the wrong shape naming the field', async () => {
    const p = await platform([], { user_code: 'X' });
    const failure = await rejectionOf((await login(p)).result);
    expect((failure as Error).message).toMatch(/device_code/);
  });
});
