import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';
import type { TaskInput } from '../areas/tasksets.js';

const task = (
  slug: string,
  args: Record<string, unknown>,
  extra: Partial<TaskInput> = {},
): TaskInput => ({
  slug,
  env: 'letter-count',
  taskId: 'count',
  args,
  ...extra,
});

describeEachDialect('tasksets on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)(
    'creates, updates and keeps remote-only tasks; every upload is a version',
    async () => {
      const teamId = randomUUID();
      const first = await suite.store.tasksets.uploadTasks({
        teamId,
        tasksetName: 'letters',
        keyId: null,
        tasks: [
          task('count-a', { word: 'strawberry', letter: 'r' }),
          task(
            'count-b',
            { word: 'raspberry', letter: 'r' },
            { agentConfig: { timeout_seconds: 60 } },
          ),
        ],
      });
      expect(first).toMatchObject({
        version: 1,
        created: ['count-a', 'count-b'],
        updated: [],
        unchanged: [],
        environmentsCreated: ['letter-count'],
      });
      expect(first.taskset).toMatchObject({ name: 'letters', version: 1, task_count: 2 });

      // Key order and explicit nulls do not count as a change; a changed arg does.
      const second = await suite.store.tasksets.uploadTasks({
        teamId,
        tasksetName: 'letters',
        keyId: null,
        tasks: [
          task('count-a', { letter: 'r', word: 'strawberry' }, { validation: null }),
          task(
            'count-b',
            { word: 'raspberry', letter: 'b' },
            { agentConfig: { timeout_seconds: 60 } },
          ),
        ],
      });
      expect(second).toMatchObject({
        version: 2,
        created: [],
        updated: ['count-b'],
        unchanged: ['count-a'],
        environmentsCreated: [],
      });
      // An upload naming one task leaves the other (remote-only) in place.
      const third = await suite.store.tasksets.uploadTasks({
        teamId,
        tasksetName: 'letters',
        keyId: null,
        tasks: [task('count-c', { word: 'mississippi', letter: 's' })],
      });
      expect(third).toMatchObject({ version: 3, created: ['count-c'] });
      const exported = await suite.store.tasksets.exportTasks(teamId, first.taskset.id);
      expect(exported).toEqual([
        {
          env: 'letter-count',
          scenario: 'count',
          args: { letter: 'r', word: 'strawberry' },
          name: 'count-a',
        },
        {
          env: 'letter-count',
          scenario: 'count',
          args: { letter: 'b', word: 'raspberry' },
          name: 'count-b',
          agent_config: { timeout_seconds: 60 },
        },
        {
          env: 'letter-count',
          scenario: 'count',
          args: { letter: 's', word: 'mississippi' },
          name: 'count-c',
        },
      ]);
      const history = await suite.store.tasksets.taskHistory(teamId, first.taskset.id, 'count-b');
      expect(history.map((v) => [v.version, v.change, v.task.args.letter])).toEqual([
        [1, 'create', 'r'],
        [2, 'update', 'b'],
      ]);
      expect(
        (await suite.store.tasksets.tasksetVersions(teamId, first.taskset.id)).map((v) => [
          v.version,
          v.created_count,
          v.updated_count,
          v.unchanged_count,
        ]),
      ).toEqual([
        [1, 2, 0, 0],
        [2, 0, 1, 1],
        [3, 1, 0, 0],
      ]);
      expect((await suite.store.tasksets.findTasksetByName(teamId, 'letters'))?.id).toBe(
        first.taskset.id,
      );
      expect(await suite.store.tasksets.findTasksetByName(randomUUID(), 'letters')).toBeUndefined();
    },
  );

  it.skipIf(skip)('refuses duplicate slugs and writes nothing', async () => {
    const teamId = randomUUID();
    await expect(
      suite.store.tasksets.uploadTasks({
        teamId,
        tasksetName: 'dupes',
        keyId: null,
        tasks: [task('same', { n: 1 }), task('other', { n: 2 }), task('same', { n: 3 })],
      }),
    ).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('same') });
    expect(await suite.store.tasksets.findTasksetByName(teamId, 'dupes')).toBeUndefined();
  });

  it.skipIf(skip)('an unknown environment is created in the registry, once', async () => {
    const teamId = randomUUID();
    const result = await suite.store.tasksets.uploadTasks({
      teamId,
      tasksetName: 'graded',
      keyId: null,
      tasks: [
        task('a', {}, { env: 'new-env', verifier: { env: 'judge-env', id: 'verify', args: {} } }),
        task('b', {}, { env: 'new-env' }),
      ],
    });
    expect(result.environmentsCreated.sort()).toEqual(['judge-env', 'new-env']);
    const listed = await suite.store.registry.listEnvironments({ teamId, limit: 10 });
    expect(listed.map((env) => env.name).sort()).toEqual(['judge-env', 'new-env']);
    expect(listed[0]).toMatchObject({ latest_version: null, image: null });
    const one = await suite.store.registry.getEnvironment(teamId, listed[0]?.id ?? '');
    expect(one?.name).toBe(listed[0]?.name);
    expect(
      (await suite.store.registry.listEnvironments({ teamId, search: 'JUDGE', limit: 10 })).map(
        (e) => e.name,
      ),
    ).toEqual(['judge-env']);
  });

  it.skipIf(skip)('uploads at once to one taskset all end consistent', async () => {
    const teamId = randomUUID();
    const upload = (letter: string) =>
      suite.store.tasksets.uploadTasks({
        teamId,
        tasksetName: 'racy',
        keyId: null,
        tasks: Array.from({ length: 40 }, (_, index) => task(`t-${index}`, { index, letter })),
      });
    const results = await Promise.all(['w', 'x', 'y', 'z'].map(upload));
    // Serialised: the first created everything (version 1), each later one updated everything.
    const byVersion = [...results].sort((a, b) => a.version - b.version);
    expect(byVersion.map((result) => result.version)).toEqual([1, 2, 3, 4]);
    expect(byVersion.map((result) => [result.created.length, result.updated.length])).toEqual([
      [40, 0],
      [0, 40],
      [0, 40],
      [0, 40],
    ]);
    const last = byVersion[3];
    const winner = ['w', 'x', 'y', 'z'][results.indexOf(last as (typeof results)[number])];
    const exported = await suite.store.tasksets.exportTasks(teamId, last?.taskset.id ?? '');
    expect(exported).toHaveLength(40);
    expect(new Set(exported?.map((row) => row.args.letter))).toEqual(new Set([winner]));
    expect(exported?.map((row) => row.name)).toEqual(
      Array.from({ length: 40 }, (_, i) => `t-${i}`),
    );
    expect(await suite.store.tasksets.listTasksets(teamId)).toHaveLength(1);
  });
});
