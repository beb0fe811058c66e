import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

describe('API keys on every route', () => {
  it('serves /health without a key and refuses everything else without one', async () => {
    gateway = await testGateway();
    const health = await gateway.call('GET', '/health', { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'sqlite' });

    const missing = await gateway.call('GET', '/v2/jobs', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="hud-gateway"');
    expect(missing.body).toEqual({
      error: { code: 'unauthorized', message: expect.stringMatching(/^missing API key/) },
      detail: expect.stringMatching(/^missing API key/),
    });
    // Unknown routes do not tell an anonymous caller what exists.
    expect((await gateway.call('GET', '/v2/nope', { key: null })).status).toBe(401);
    expect((await gateway.call('GET', '/v2/nope')).status).toBe(404);
  });

  it('answers 401 with a clear message for a wrong key, a revoked key and a malformed header', async () => {
    gateway = await testGateway();
    const wrong = await gateway.call('GET', '/v2/jobs', { key: 'hud_not-a-key-of-this-gateway' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/^invalid API key: no key of this gateway matches it/);

    const member = await gateway.mintKey({ name: 'laptop' });
    expect((await gateway.call('GET', '/v2/jobs', { key: member })).status).toBe(200);
    const keys = await gateway.call('GET', '/v2/keys');
    const id = keys.body.items.find((key: { name: string }) => key.name === 'laptop').id;
    expect((await gateway.call('DELETE', `/v2/keys/${id}`)).status).toBe(200);
    // Revocation applies at once, although the key's last answer was cached.
    const revoked = await gateway.call('GET', '/v2/jobs', { key: member });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toMatch(
      /^API key hud_.{8}… \(laptop\) was revoked at \d{4}-/,
    );
    expect(revoked.body.error.message).not.toContain(member);

    const basic = await gateway.call('GET', '/v2/jobs', {
      key: null,
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.body.error.message).toBe('the Authorization header must be "Bearer <API key>"');
  });

  it('takes ?api_key= only on routes flagged for it', async () => {
    gateway = await testGateway();
    const app = (await import('../app.js')).createGatewayApp({ store: gateway.store });
    app.get('/v2/flagged', { config: { queryKey: true } }, async () => ({ ok: true }));
    await app.ready();
    try {
      const flagged = await app.inject({ url: `/v2/flagged?api_key=${gateway.adminKey}` });
      expect(flagged.statusCode).toBe(200);
      const unflagged = await app.inject({ url: `/v2/jobs?api_key=${gateway.adminKey}` });
      expect(unflagged.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('never writes a key to the log, whether sent as a header, a query or a form field', async () => {
    gateway = await testGateway({ logLevel: 'debug' });
    const member = await gateway.mintKey();
    await gateway.call('GET', '/v2/jobs', { key: member });
    await gateway.call('GET', `/v2/jobs?api_key=${member}`, { key: null });
    await gateway.call('GET', `/v2/no-such-route?api_key=${member}`);
    await gateway.call('GET', '/v2/jobs', { key: `${member}x` });
    await gateway.call('POST', '/device', {
      key: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: 'BCDF-GHJK', api_key: member }).toString(),
    });
    await gateway.call('POST', '/v2/keys', { body: { name: 'new' } });
    const logs = gateway.logs();
    // The requests were logged (so the check below is not vacuous)…
    expect(logs).toContain('"url":"/v2/jobs?api_key=[redacted]"');
    expect(
      logs.split('\n').filter((line) => line.includes('"msg":"request"')).length,
    ).toBeGreaterThanOrEqual(5);
    // …and no key, admin or member, is in them.
    expect(logs).not.toContain(member);
    expect(logs).not.toContain(gateway.adminKey);
    expect(logs).not.toContain(member.slice(4, 20));
  });
});
