import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';
import { MODEL_CATALOG } from '../model-catalog.js';

describeEachDialect('models on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)('the catalog holds the spec §9.4 presets, shared by every team', async () => {
    const models = await suite.store.models.listModels(randomUUID());
    expect(models.map((model) => model.name)).toEqual(
      [...MODEL_CATALOG.map((model) => model.name)].sort(),
    );
    expect(models.find((model) => model.name === 'kimi-k2.6')).toMatchObject({
      model_name: 'moonshotai/kimi-k2.6',
      sdk_agent_type: 'openai_compatible',
      provider: { name: 'moonshotai' },
      is_trainable: false,
      owner: 'catalog',
    });
  });

  it.skipIf(skip)('resolves by id, name or model_name; forks, checkpoints and heads', async () => {
    const team = randomUUID();
    const sonnet = await suite.store.models.resolveModel(team, 'claude-sonnet-4-6');
    expect(sonnet?.model_name).toBe('claude-sonnet-4-6');
    expect((await suite.store.models.resolveModel(team, 'z-ai/glm-5.2'))?.name).toBe('glm-5.2');
    expect((await suite.store.models.resolveModel(team, sonnet?.id ?? ''))?.name).toBe(
      'claude-sonnet-4-6',
    );
    expect(await suite.store.models.resolveModel(team, 'no-such-model')).toBeUndefined();

    const fork = await suite.store.models.forkModel({
      teamId: team,
      sourceId: sonnet?.id ?? '',
      name: 'my-sonnet',
    });
    expect(fork).toMatchObject({
      name: 'my-sonnet',
      model_name: 'my-sonnet',
      is_trainable: true,
      owner: 'team',
      forked_from: sonnet?.id,
      sdk_agent_type: 'claude',
    });
    await expect(
      suite.store.models.forkModel({ teamId: team, sourceId: sonnet?.id ?? '', name: 'my-sonnet' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      suite.store.models.forkModel({ teamId: team, sourceId: randomUUID(), name: 'other' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    // Another team sees neither the fork nor its name as taken.
    expect(await suite.store.models.resolveModel(randomUUID(), 'my-sonnet')).toBeUndefined();

    expect(await suite.store.models.listCheckpoints(team, fork.id)).toEqual([]);
    const first = await suite.store.models.addCheckpoint({
      modelId: fork.id,
      name: 'step-1',
      meanReward: 0.5,
    });
    const second = await suite.store.models.addCheckpoint({
      modelId: fork.id,
      name: 'step-2',
      prevModelCheckpointId: first.id,
      metrics: { loss: 0.25 },
    });
    const head = await suite.store.models.setHead({
      teamId: team,
      modelId: fork.id,
      checkpointId: second.id,
    });
    expect(head).toMatchObject({ id: second.id, is_active: true, metrics: { loss: 0.25 } });
    const listed = await suite.store.models.listCheckpoints(team, fork.id);
    expect(listed?.map((c) => [c.name, c.is_active, c.mean_reward])).toEqual([
      ['step-1', false, 0.5],
      ['step-2', true, null],
    ]);
    await expect(
      suite.store.models.setHead({ teamId: team, modelId: fork.id, checkpointId: randomUUID() }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      suite.store.models.setHead({
        teamId: team,
        modelId: sonnet?.id ?? '',
        checkpointId: first.id,
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});
