import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

/** One upload item as hud-python's `task_upload_payload` builds it (spec §9.7). */
const item = (slug: string, args: Record<string, unknown>, env = 'letter-count') => ({
  name: slug,
  env: { name: env },
  task_id: 'count',
  args,
});

/** What hud-python's `_record_to_task` keeps of an export record (spec §5.2: scenario→id, name→slug). */
const asRow = (record: Record<string, unknown>) => ({
  env: record.env,
  id: record.scenario,
  args: record.args ?? {},
  slug: record.name,
  agent_config: record.agent_config,
});

describe('tasksets (hud sync tasks, Taskset.from_api)', () => {
  it('resolves, uploads with the diff semantics and exports what hud-python reads back', async () => {
    gateway = await testGateway();
    // hud sync tasks letters: GET /v2/tasksets/by-name/letters → 404 → "will be created".
    const missing = await gateway.call('GET', '/v2/tasksets/by-name/letters');
    expect(missing.status).toBe(404);

    const created = await gateway.call('POST', '/v2/tasks/upload', {
      body: {
        taskset_name: 'letters',
        tasks: [
          item('count-e8d5ddbb', { word: 'strawberry', letter: 'r' }),
          {
            ...item('count-2', { word: 'raspberry', letter: 'r' }),
            agent_config: { timeout_seconds: 60 },
          },
        ],
      },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      taskset_id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
      tasks_created: 2,
      tasks_updated: 0,
      environments_created: ['letter-count'],
    });
    expect(created.body.evalset_id).toBe(created.body.taskset_id);

    const byName = await gateway.call('GET', '/v2/tasksets/by-name/letters');
    expect(byName.body).toMatchObject({ taskset_id: created.body.taskset_id, name: 'letters' });
    const exported = await gateway.call('GET', `/v2/tasksets/${created.body.taskset_id}/export`);
    expect(exported.body.name).toBe('letters');
    expect(exported.body.tasks.map(asRow)).toEqual([
      {
        env: 'letter-count',
        id: 'count',
        args: { letter: 'r', word: 'strawberry' },
        slug: 'count-e8d5ddbb',
        agent_config: undefined,
      },
      {
        env: 'letter-count',
        id: 'count',
        args: { letter: 'r', word: 'raspberry' },
        slug: 'count-2',
        agent_config: { timeout_seconds: 60 },
      },
    ]);

    // A second sync sends only what changed (one task): one update, the other task stays (remote-only).
    const second = await gateway.call('POST', '/v2/tasks/upload', {
      body: {
        taskset_name: 'letters',
        tasks: [item('count-2', { word: 'raspberry', letter: 'b' })],
      },
    });
    expect(second.body).toMatchObject({
      tasks_created: 0,
      tasks_updated: 1,
      updated: ['count-2'],
      version: 2,
    });
    const after = await gateway.call('GET', `/v2/tasksets/${created.body.taskset_id}/export`);
    expect(after.body.tasks.map((task: { name: string }) => task.name)).toEqual([
      'count-e8d5ddbb',
      'count-2',
    ]);
    const history = await gateway.call(
      'GET',
      `/v2/tasksets/${created.body.taskset_id}/tasks/count-2/history`,
    );
    expect(
      history.body.items.map((v: { version: number; change: string }) => [v.version, v.change]),
    ).toEqual([
      [1, 'create'],
      [2, 'update'],
    ]);
    const versions = await gateway.call('GET', `/v2/tasksets/${created.body.taskset_id}/versions`);
    expect(versions.body.items).toHaveLength(2);
  });

  it('refuses duplicate slugs with a message hud sync prints, and writes nothing', async () => {
    gateway = await testGateway();
    const response = await gateway.call('POST', '/v2/tasks/upload', {
      body: { taskset_name: 'dupes', tasks: [item('a', { n: 1 }), item('a', { n: 2 })] },
    });
    expect(response.status).toBe(400);
    // hud sync shows `detail` of a 400 line by line.
    expect(response.body.detail).toBe(
      'duplicate task slugs in one upload: a (each task of a taskset needs its own slug; nothing was written)',
    );
    expect((await gateway.call('GET', '/v2/tasksets/by-name/dupes')).status).toBe(404);
  });

  it('creates an environment an upload names for the first time, and lists it in the registry', async () => {
    gateway = await testGateway();
    const response = await gateway.call('POST', '/v2/tasks/upload', {
      body: { taskset_name: 'fresh', tasks: [item('a', {}, 'never-deployed')] },
    });
    expect(response.body.environments_created).toEqual(['never-deployed']);
    const registry = await gateway.call('GET', '/v2/registry');
    expect(registry.body).toEqual([
      expect.objectContaining({
        name: 'never-deployed',
        latest_version: null,
        id: expect.any(String),
      }),
    ]);
    const one = await gateway.call('GET', `/v2/registry/${registry.body[0].id}`);
    expect(one.body.name).toBe('never-deployed');
    expect((await gateway.call('GET', `/v2/registry/envs/${registry.body[0].id}`)).body.name).toBe(
      'never-deployed',
    );
    expect(
      (await gateway.call('GET', '/v2/registry/00000000-0000-0000-0000-000000000000')).status,
    ).toBe(404);
    const again = await gateway.call('POST', '/v2/tasks/upload', {
      body: { taskset_name: 'fresh', tasks: [item('b', {}, 'never-deployed')] },
    });
    expect(again.body.environments_created).toEqual([]);
  });

  it('two uploads at once to one taskset both end consistent', async () => {
    gateway = await testGateway();
    const upload = (letter: string) =>
      gateway.call('POST', '/v2/tasks/upload', {
        body: {
          taskset_name: 'racy',
          tasks: Array.from({ length: 25 }, (_, index) => item(`t-${index}`, { index, letter })),
        },
      });
    const [x, y] = await Promise.all([upload('x'), upload('y')]);
    expect([x.status, y.status]).toEqual([200, 200]);
    expect([x.body.version, y.body.version].sort()).toEqual([1, 2]);
    expect(x.body.tasks_created + y.body.tasks_created).toBe(25);
    expect(x.body.tasks_updated + y.body.tasks_updated).toBe(25);
    const last = x.body.version === 2 ? 'x' : 'y';
    const exported = await gateway.call('GET', `/v2/tasksets/${x.body.taskset_id}/export`);
    expect(exported.body.tasks).toHaveLength(25);
    expect(
      exported.body.tasks.every((task: { args: { letter: string } }) => task.args.letter === last),
    ).toBe(true);
  });

  it('reads names hud-python percent-encodes, and answers 400 for a malformed upload', async () => {
    gateway = await testGateway();
    await gateway.call('POST', '/v2/tasks/upload', {
      body: { taskset_name: 'team/letters v2', tasks: [item('a', {})] },
    });
    const byName = await gateway.call(
      'GET',
      `/v2/tasksets/by-name/${encodeURIComponent('team/letters v2')}`,
    );
    expect(byName.status).toBe(200);
    expect(byName.body.name).toBe('team/letters v2');
    const bad = await gateway.call('POST', '/v2/tasks/upload', {
      body: { taskset_name: 'x', tasks: [{ name: 'a', env: 'letter-count', task_id: 'count' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^invalid body: tasks\[0\]\.env: /);
    expect((await gateway.call('GET', '/v2/tasksets/not-a-uuid/export')).status).toBe(404);
  });
});
