import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

/**
 * hud-python's `_error_code` (hud login): the RFC 8628 code from `{"detail": {"error": …}}` or a bare
 * `{"error": "…"}`; anything else is "Unexpected response" and a failed login.
 */
function pythonErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const detail = (body as { detail?: unknown }).detail;
  const holder = (typeof detail === 'object' && detail !== null ? detail : body) as {
    error?: unknown;
  };
  return typeof holder.error === 'string' ? holder.error : undefined;
}

const form = (fields: Record<string, string>) => ({
  key: null,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('hud login: the RFC 8628 device flow (spec §9.8)', () => {
  it('code → pending → slow_down → approved on /device → a new key of the approver’s team, once', async () => {
    gateway = await testGateway();
    const member = await gateway.mintKey({ team: 'research', name: 'alice' });
    const code = await gateway.call('POST', '/auth/device/code', {
      key: null,
      body: { client_name: 'laptop', client_version: '0.6.16' },
    });
    expect(code.status).toBe(200);
    expect(code.body).toEqual({
      device_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      user_code: expect.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/),
      verification_uri: 'http://localhost:80/device',
      verification_uri_complete: `http://localhost:80/device?code=${code.body.user_code}`,
      expires_in: 600,
      interval: 5,
    });
    const poll = () =>
      gateway.call('POST', '/auth/device/token', {
        key: null,
        body: { device_code: code.body.device_code },
      });
    const pending = await poll();
    expect(pending.status).toBe(400);
    expect(pythonErrorCode(pending.body)).toBe('authorization_pending');
    // Polled again at once, far sooner than `interval`.
    const tooFast = await poll();
    expect(pythonErrorCode(tooFast.body)).toBe('slow_down');

    // The person opens verification_uri_complete and approves with their key.
    const page = await gateway.call('GET', `/device?code=${code.body.user_code.toLowerCase()}`, {
      key: null,
    });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain(`value="${code.body.user_code}"`);
    expect(page.text).not.toMatch(/<script|https?:\/\/(?!localhost)/);
    const approved = await gateway.call(
      'POST',
      '/device',
      form({ user_code: code.body.user_code, api_key: member, action: 'approve' }),
    );
    expect(approved.status).toBe(200);
    expect(approved.text).toContain('CLI connected');
    expect(approved.text).toContain('research');

    const token = await poll();
    expect(token.status).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expect(token.body).toMatchObject({ team: { name: 'research' }, token_type: 'Bearer' });
    const newKey: string = token.body.api_key;
    expect(newKey).toMatch(/^hud_/);
    // The key works and belongs to the approver's team.
    await gateway.call('POST', `/v2/trace/job/${'b'.repeat(32)}/enter`, {
      key: newKey,
      body: { name: 'x' },
    });
    expect((await gateway.call('GET', '/v2/jobs', { key: member })).body.items).toHaveLength(1);
    // Handed out once.
    expect(pythonErrorCode((await poll()).body)).toBe('invalid_grant');
  });

  it('denied, expired, unknown and wrong-key cases answer what hud login expects', async () => {
    gateway = await testGateway({ deviceFlow: { codeTtlSeconds: 600 } });
    const start = async () =>
      (await gateway.call('POST', '/auth/device/code', { key: null, body: {} })).body as {
        device_code: string;
        user_code: string;
      };
    const denied = await start();
    const wrongKey = await gateway.call(
      'POST',
      '/device',
      form({ user_code: denied.user_code, api_key: 'hud_wrong', action: 'approve' }),
    );
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.text).toContain('invalid API key');
    // Scripts decide through the JSON route with a Bearer key.
    const deny = await gateway.call('POST', '/auth/device/approve', {
      body: { user_code: denied.user_code.replace('-', ' ').toLowerCase(), action: 'deny' },
    });
    expect(deny.body).toEqual({
      user_code: denied.user_code,
      status: 'denied',
      team: { name: 'default' },
    });
    const deniedPoll = await gateway.call('POST', '/auth/device/token', {
      key: null,
      body: { device_code: denied.device_code },
    });
    expect(pythonErrorCode(deniedPoll.body)).toBe('access_denied');
    const unknownCode = await gateway.call('POST', '/auth/device/approve', {
      body: { user_code: 'BBBB-BBBB' },
    });
    expect(unknownCode.status).toBe(404);
    const unknown = await gateway.call('POST', '/auth/device/token', {
      key: null,
      body: { device_code: 'nope' },
    });
    expect(pythonErrorCode(unknown.body)).toBe('invalid_grant');
    const empty = await gateway.call('POST', '/auth/device/token', { key: null, body: {} });
    expect(pythonErrorCode(empty.body)).toBe('invalid_request');
    await gateway[Symbol.asyncDispose]();

    gateway = await testGateway({ deviceFlow: { codeTtlSeconds: 0 } });
    const expired = await start();
    const expiredPoll = await gateway.call('POST', '/auth/device/token', {
      key: null,
      body: { device_code: expired.device_code },
    });
    expect(pythonErrorCode(expiredPoll.body)).toBe('expired_token');
    const late = await gateway.call('POST', '/auth/device/approve', {
      body: { user_code: expired.user_code },
    });
    expect(late.status).toBe(404);
  });
});
