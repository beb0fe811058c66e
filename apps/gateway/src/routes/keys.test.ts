import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

describe('key management (/v2/keys)', () => {
  it('lets an admin create, list and revoke keys per team; a member only lists its team', async () => {
    gateway = await testGateway();
    const created = await gateway.call('POST', '/v2/keys', {
      body: { name: 'ci', team: 'research' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'ci',
      team_name: 'research',
      role: 'member',
      revoked_at: null,
    });
    expect(created.body.key).toMatch(/^hud_[A-Za-z0-9_-]{43}$/);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 12));
    const memberKey: string = created.body.key;

    // The new key works, for its own team only.
    await gateway.call('POST', `/v2/trace/job/${'a'.repeat(32)}/enter`, {
      key: memberKey,
      body: { name: 'r' },
    });
    expect((await gateway.call('GET', '/v2/jobs', { key: memberKey })).body.items).toHaveLength(1);
    expect((await gateway.call('GET', '/v2/jobs')).body.items).toHaveLength(0);

    const all = await gateway.call('GET', '/v2/keys');
    expect(all.body.items.map((key: { name: string }) => key.name).sort()).toEqual(['admin', 'ci']);
    expect(JSON.stringify(all.body)).not.toContain(memberKey);
    const research = await gateway.call('GET', '/v2/keys?team=research');
    expect(research.body.items.map((key: { name: string }) => key.name)).toEqual(['ci']);
    const own = await gateway.call('GET', '/v2/keys', { key: memberKey });
    expect(own.body.items.map((key: { name: string }) => key.name)).toEqual(['ci']);

    const forbidden = await gateway.call('POST', '/v2/keys', {
      key: memberKey,
      body: { name: 'x' },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.message).toBe('key ci is a member key: this needs an admin key');
    expect(
      (await gateway.call('DELETE', `/v2/keys/${created.body.id}`, { key: memberKey })).status,
    ).toBe(403);

    const revoked = await gateway.call('DELETE', `/v2/keys/${created.body.id}`);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    expect((await gateway.call('GET', '/v2/jobs', { key: memberKey })).status).toBe(401);
    expect((await gateway.call('DELETE', '/v2/keys/nope')).status).toBe(404);
    const noName = await gateway.call('POST', '/v2/keys', { body: {} });
    expect(noName.status).toBe(400);
    expect(noName.body.error.message).toMatch(/^invalid body: name: /);
  });

  it("refuses names starting with 'lease:' (reserved for the rollout queue's keys) with 400", async () => {
    gateway = await testGateway();
    const refused = await gateway.call('POST', '/v2/keys', { body: { name: 'lease:abc' } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain(
      "reserved for the rollout queue's per-lease keys",
    );
  });
});
