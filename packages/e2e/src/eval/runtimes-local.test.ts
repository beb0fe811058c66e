import { fileURLToPath } from 'node:url';
import { NopAgent, OracleAgent } from '@hud/agents';
import { Taskset } from '@hud/eval';
import { InProcessRuntime, LocalRuntime } from '@hud/runtimes-local';
import { scriptedAgent, untilAborted } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { count, explode } from './__fixtures__/counter-env.js';

const envFile = fileURLToPath(new URL('./__fixtures__/counter-env.ts', import.meta.url));
const rows = () =>
  new Taskset('json-rows', [
    { env: 'counter', id: 'count', args: { word: 'banana', letter: 'a' } },
    { env: 'counter', id: 'count', args: { word: 'abc', letter: 'a' } },
  ]);

describe('with @hud/runtimes-local providers', () => {
  it('runs template-minted rows in process (InProcessRuntime.forTasks)', async () => {
    await using provider = InProcessRuntime.forTasks();
    const taskset = new Taskset('minted', [
      count({ word: 'banana', letter: 'a' }),
      explode({ n: 1 }),
    ]);
    const job = await taskset.run({
      agent: new OracleAgent(),
      provider,
      group: 2,
      maxConcurrent: 2,
    });
    expect(job.runs.map((run) => run.reward)).toEqual([1, 1, null, null]);
    expect(job.runs[2]?.error).toMatch(/^\[starting task\] .*setup failed for 1/);
    expect(job.reward).toBe(1);
    expect(provider.openLeases).toBe(0);
  });

  it('runs rows loaded from data in child processes (LocalRuntime): oracle 1.0, nop 0.0', async () => {
    await using provider = LocalRuntime(envFile);
    const oracle = await rows().run({ agent: new OracleAgent(), provider, maxConcurrent: 2 });
    expect(oracle.runs.map((run) => [run.status, run.reward])).toEqual([
      ['completed', 1],
      ['completed', 1],
    ]);
    const nop = await rows().run({ agent: new NopAgent(), provider, maxConcurrent: 2 });
    expect(nop.reward).toBe(0);
    expect(provider.children).toEqual([]);
  });

  it('kills the children of cancelled rollouts', async () => {
    await using provider = LocalRuntime(envFile);
    const controller = new AbortController();
    let inAgent = 0;
    const job = await rows().run({
      agent: scriptedAgent((context) => untilAborted(context.signal)),
      provider,
      maxConcurrent: 2,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'phase' && event.phase === 'agent loop' && ++inAgent === 2)
          controller.abort();
      },
    });
    expect(job.cancelled).toBe(true);
    expect(job.runs.map((run) => run.status)).toEqual(['cancelled', 'cancelled']);
    expect(provider.children).toEqual([]);
  });
});
