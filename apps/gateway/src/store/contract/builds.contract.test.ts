import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';
import { nextVersion, type TriggerInput } from '../areas/builds.js';

const later = () => new Date(Date.now() + 60_000).toISOString();

describeEachDialect('builds on %s', (suite) => {
  const { skip } = suite;

  const uploaded = async (teamId: string) => {
    const build = await suite.store.builds.createBuild({
      teamId,
      keyId: null,
      tokenHash: 'hash',
      expiresAt: later(),
    });
    await suite.store.builds.recordUpload(build.id, 123);
    return build.id;
  };
  const trigger = (teamId: string, buildId: string, extra: Partial<TriggerInput> = {}) =>
    suite.store.builds.trigger({
      teamId,
      buildId,
      name: 'letter-count',
      noCache: false,
      buildArgs: { BASE: 'x' },
      environmentVariables: {},
      secretIds: ['tok'],
      ...extra,
    });

  it.skipIf(skip)(
    'versions each environment v0.1.0, v0.1.1, … and fills the registry row',
    async () => {
      const teamId = randomUUID();
      const first = await trigger(teamId, await uploaded(teamId));
      expect(first).toMatchObject({
        status: 'QUEUED',
        name: 'letter-count',
        version: 'v0.1.0',
        context_bytes: 123,
        build_args: { BASE: 'x' },
        secret_ids: ['tok'],
      });
      await suite.store.builds.setStatus(first.id, 'SUCCEEDED', { image: 'r/letter-count:v0.1.0' });
      const second = await trigger(teamId, await uploaded(teamId), {
        registryId: first.registry_id as string,
        name: 'ignored',
      });
      expect(second).toMatchObject({ registry_id: first.registry_id, version: 'v0.1.1' });
      const environment = await suite.store.registry.getEnvironment(
        teamId,
        first.registry_id as string,
      );
      expect(environment).toMatchObject({
        name: 'letter-count',
        latest_version: 'v0.1.0',
        image: 'r/letter-count:v0.1.0',
      });
      // Another team's environment of the same name starts at v0.1.0.
      const other = randomUUID();
      expect(await trigger(other, await uploaded(other))).toMatchObject({ version: 'v0.1.0' });
    },
  );

  it.skipIf(skip)('refuses triggers without a context, twice, or of unknown ids', async () => {
    const teamId = randomUUID();
    const pending = await suite.store.builds.createBuild({
      teamId,
      keyId: null,
      tokenHash: 'hash',
      expiresAt: later(),
    });
    await expect(trigger(teamId, pending.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(trigger(teamId, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    const id = await uploaded(teamId);
    await expect(trigger(randomUUID(), id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(trigger(teamId, id, { registryId: randomUUID() })).rejects.toMatchObject({
      code: 'not_found',
    });
    await trigger(teamId, id);
    await expect(trigger(teamId, id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(suite.store.builds.recordUpload(id, 1)).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it.skipIf(skip)('marks unfinished builds failed (a restart during a build)', async () => {
    const teamId = randomUUID();
    const id = (await trigger(teamId, await uploaded(teamId))).id;
    await suite.store.builds.setStatus(id, 'BUILDING');
    expect(await suite.store.builds.failUnfinished('gateway restarted')).toContain(id);
    expect(await suite.store.builds.getBuild(teamId, id)).toMatchObject({
      status: 'FAILED',
      error: 'gateway restarted',
    });
  });
});

it('nextVersion continues after the highest v0.1.N', () => {
  expect(nextVersion([])).toBe('v0.1.0');
  expect(nextVersion(['v0.1.0', null, 'v0.1.9', 'v0.1.2'])).toBe('v0.1.10');
});
