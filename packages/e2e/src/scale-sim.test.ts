import { Taskset } from '@hud/eval';
import { scriptedAgent } from '@hud/testing';
import { ScaleProvider } from '@hud/testing/scale';
import { describe, expect, it } from 'vitest';

// The scale simulation's accounting on a small job (bench/scale.bench.ts runs 500 × 2): against a simulated
// vendor whose creates fail often, failed creates are retried as infrastructure events, rollouts whose every
// create failed end errored with the reason, and the job's reward averages the graded runs only.

describe('a job against a flaky simulated sandbox vendor', () => {
  it('grades what it can provision, errors the rest with a reason, and keeps them out of the reward', async () => {
    const provider = ScaleProvider({
      createLatencyMs: [2, 10],
      failureRate: 0.4,
      createsPerSecond: 2000,
      retries: 1,
      seed: 3,
    });
    const tasks = Array.from({ length: 60 }, (_, index) => ({
      env: 'scale',
      id: 'echo',
      slug: `echo-${index}`,
      args: { word: `w${index}` },
    }));
    const agent = scriptedAgent(async ({ prompt }) => ({
      answer: /say (\S+)/.exec(String(prompt))?.[1] ?? '',
    }));
    const job = await new Taskset('scale-sim', tasks).run({
      agent,
      provider,
      maxConcurrent: 60,
      keepTraces: false,
    });
    await provider.close();
    const graded = job.runs.filter((run) => !run.isError);
    const errored = job.runs.filter((run) => run.isError);
    expect(job.runs).toHaveLength(60);
    expect(graded.length + errored.length).toBe(60);
    expect(errored.length).toBe(provider.stats.gaveUp);
    expect(errored.length).toBeGreaterThan(0);
    expect(graded.length).toBeGreaterThan(0);
    for (const run of graded) expect(run.reward).toBe(1);
    for (const run of errored) {
      expect(run.reward).toBeNull();
      expect(run.error).toMatch(
        /^\[provisioning\] sandbox for 'echo-\d+' could not be created: 2 attempts failed \(simulated create failure/,
      );
    }
    expect(job.reward).toBe(1);
    // Every failed create of a rollout that was graded in the end was retried, not scored.
    expect(provider.stats.retries).toBeGreaterThan(0);
    expect(provider.stats.creates).toBe(60 + provider.stats.retries);
    expect(provider.stats.live).toBe(0);
  });
});
