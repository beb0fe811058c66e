import { Environment } from '@hud/environment';
import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { eventually } from './__fixtures__/processes.js';
import { row } from './__fixtures__/rows.js';
import { InProcessRuntime } from './in-process-runtime.js';

function counterEnv(name = 'counter') {
  const calls = { initialize: 0, shutdown: 0, cancelled: 0 };
  const env = new Environment({ name });
  env.initialize(() => {
    calls.initialize++;
  });
  env.shutdown(() => {
    calls.shutdown++;
  });
  const add = env.template({ id: 'add' }, async function* () {
    try {
      const answer = yield 'what is 2 + 2?';
      yield answer === '4' ? 1 : 0;
    } finally {
      calls.cancelled++;
    }
  });
  return { env, calls, add };
}

describe('InProcessRuntime', () => {
  it('runs 20 concurrent rollouts on one environment started once, and stops it once on close', async () => {
    const { env, calls, add } = counterEnv();
    const provider = InProcessRuntime(env);
    const scores = await Promise.all(
      Array.from({ length: 20 }, async () => {
        await using lease = await provider(add({}));
        await using client = await HudClient.connect(lease);
        await client.startTask('add');
        return (await client.grade({ answer: '4' })).score;
      }),
    );
    expect(scores).toEqual(Array(20).fill(1));
    expect(calls.initialize).toBe(1);
    expect(calls.shutdown).toBe(0);
    expect(provider.openLeases).toBe(0);
    await provider.close();
    await provider.close();
    expect(calls.shutdown).toBe(1);
    await expect(provider(add({}))).rejects.toMatchObject({ code: 'closed' });
  });

  it('release cancels a task the rollout left running, and rollouts never adopt each other’s tasks', async () => {
    const { env, calls, add } = counterEnv();
    await using provider = InProcessRuntime(env);
    const first = await provider(add({}));
    const second = await provider(add({}));
    expect(first.url).not.toBe(second.url);
    {
      // A rollout starts a task and disconnects without grading: its task is parked on its port.
      await using client = await HudClient.connect(first);
      await client.startTask('add');
    }
    {
      // Another rollout's grade must not adopt it (one shared server would hand it over).
      await using client = await HudClient.connect(second);
      await expect(client.grade({ answer: '4' })).rejects.toThrow(/no task in progress/);
    }
    expect(calls.cancelled).toBe(0);
    await first.close();
    expect(await eventually(() => calls.cancelled === 1)).toBe(true);
    await second.close();
    expect(calls.shutdown).toBe(0);
  });

  it('serves rows minted in this process by their own environment (forTasks)', async () => {
    const one = counterEnv('one');
    const two = counterEnv('two');
    await using provider = InProcessRuntime.forTasks();
    for (const [task, name] of [
      [one.add({}), 'one'],
      [two.add({}), 'two'],
    ] as const) {
      await using lease = await provider(task);
      await using client = await HudClient.connect(lease);
      expect(client.manifest?.env.name).toBe(name);
    }
    const plain = row('one', 'add');
    await expect(provider(plain)).rejects.toMatchObject({ code: 'no_environment' });
    await expect(provider(plain)).rejects.toThrow(/task 'one-add'/);
    await provider.close();
    expect([one.calls.shutdown, two.calls.shutdown]).toEqual([1, 1]);
  });

  it('reports a failing initialize hook with its cause', async () => {
    const env = new Environment({ name: 'fails' });
    const boom = new Error('daemon did not start');
    env.initialize(() => {
      throw boom;
    });
    const task = env.template({ id: 't' }, async function* () {
      yield 'x';
    });
    await using provider = InProcessRuntime(env);
    const error = await provider(task({})).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'start_failed', phase: 'provisioning', cause: boom });
    expect((error as Error).message).toContain("env 'fails'");
    expect(provider.openLeases).toBe(0);
  });

  it("reports initialize hooks that outlast readyTimeoutMs ('not_ready')", async () => {
    const env = new Environment({ name: 'slow' });
    let release!: () => void;
    env.initialize(() => new Promise<void>((resolve) => (release = resolve)));
    const task = env.template({ id: 't' }, async function* () {
      yield 'x';
    });
    await using provider = InProcessRuntime(env, { readyTimeoutMs: 50 });
    await expect(provider(task({}))).rejects.toMatchObject({ code: 'not_ready' });
    release();
  });

  it('rejects rows with runtime_config', async () => {
    const { env, add, calls } = counterEnv();
    await using provider = InProcessRuntime(env);
    const task = { ...add({}), runtime_config: { resources: { cpu: 2 } } };
    await expect(provider(task)).rejects.toMatchObject({ code: 'unsupported' });
    expect(calls.initialize).toBe(0);
  });
});
