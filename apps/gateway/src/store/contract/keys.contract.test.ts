import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';

const future = () => new Date(Date.now() + 600_000).toISOString();

describeEachDialect('keys and device codes on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)('stores keys by hash in their team, lists and revokes them', async () => {
    const team = await suite.store.keys.ensureTeam('keys-team');
    expect((await suite.store.keys.ensureTeam('keys-team')).id).toBe(team.id);
    const key = await suite.store.keys.createKey({
      teamId: team.id,
      name: 'ci',
      role: 'member',
      keyHash: 'a'.repeat(64),
      prefix: 'hud_abcdefgh',
    });
    expect(key).toMatchObject({
      name: 'ci',
      team_name: 'keys-team',
      role: 'member',
      revoked_at: null,
    });
    expect(await suite.store.keys.findKeyByHash('a'.repeat(64))).toMatchObject({
      id: key.id,
      key_hash: 'a'.repeat(64),
    });
    expect(await suite.store.keys.findKeyByHash('b'.repeat(64))).toBeUndefined();
    expect((await suite.store.keys.listKeys({ teamId: team.id })).map((k) => k.id)).toEqual([
      key.id,
    ]);

    const revoked = await suite.store.keys.revokeKey(key.id);
    expect(revoked?.revoked_at).toEqual(expect.any(String));
    const again = await suite.store.keys.revokeKey(key.id);
    expect(again?.revoked_at).toBe(revoked?.revoked_at);
    expect((await suite.store.keys.findKeyByHash('a'.repeat(64)))?.revoked_at).toBe(
      revoked?.revoked_at,
    );
    expect(await suite.store.keys.revokeKey('no-such-key')).toBeUndefined();
    expect(await suite.store.keys.countKeys()).toBeGreaterThan(0);
  });

  it.skipIf(skip)('a device code is decided once and redeemed into exactly one key', async () => {
    const team = await suite.store.keys.ensureTeam('device-team');
    const approver = await suite.store.keys.createKey({
      teamId: team.id,
      name: 'approver',
      role: 'member',
      keyHash: 'c'.repeat(64),
      prefix: 'hud_cccccccc',
    });
    await suite.store.devices.createDeviceCode({
      deviceCodeHash: 'd'.repeat(64),
      userCode: 'BCDF-GHJK',
      clientName: 'laptop',
      clientVersion: '0.6.16',
      intervalS: 5,
      expiresAt: future(),
    });
    expect((await suite.store.devices.findPendingByUserCode('BCDF-GHJK'))?.status).toBe('pending');
    const decided = await suite.store.devices.decideDevice({
      userCode: 'BCDF-GHJK',
      approve: true,
      teamId: team.id,
      keyId: approver.id,
      now: new Date().toISOString(),
    });
    expect(decided).toMatchObject({ status: 'approved', team_id: team.id });
    const secondDecision = await suite.store.devices.decideDevice({
      userCode: 'BCDF-GHJK',
      approve: false,
      teamId: team.id,
      keyId: approver.id,
      now: new Date().toISOString(),
    });
    expect(secondDecision).toBeUndefined();

    const redeem = (suffix: string) =>
      suite.store.devices.redeemDevice({
        deviceCodeHash: 'd'.repeat(64),
        keyHash: suffix.repeat(64),
        prefix: `hud_${suffix}`,
        keyName: 'hud login (laptop)',
      });
    const results = await Promise.all([redeem('e'), redeem('f')]);
    const minted = results.filter((key) => key !== undefined);
    expect(minted).toHaveLength(1);
    expect(minted[0]).toMatchObject({ team_name: 'device-team', role: 'member' });
    expect((await suite.store.devices.getDevice('d'.repeat(64)))?.status).toBe('consumed');
  });

  it.skipIf(skip)('an expired code cannot be approved', async () => {
    const team = await suite.store.keys.ensureTeam('expired-team');
    await suite.store.devices.createDeviceCode({
      deviceCodeHash: '1'.repeat(64),
      userCode: 'ZZZZ-ZZZZ',
      clientName: null,
      clientVersion: null,
      intervalS: 5,
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    const decided = await suite.store.devices.decideDevice({
      userCode: 'ZZZZ-ZZZZ',
      approve: true,
      teamId: team.id,
      keyId: 'k',
      now: new Date().toISOString(),
    });
    expect(decided).toBeUndefined();
  });
});
