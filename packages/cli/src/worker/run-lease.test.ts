import { describe, expect, it } from 'vitest';
import { platformUrls } from '../platform/urls.js';
import { fakeLease } from './__fixtures__/fake-gateway.js';
import { leaseAgent, leaseRow, runLease } from './run-lease.js';
import { createSubstrate } from './substrate.js';

const urls = platformUrls({ HUD_API_URL: 'http://127.0.0.1:9' });

describe('a lease as a task row and an agent', () => {
  it('maps the submitted row (task → id) and keeps the agent config as its agent_config', () => {
    const lease = fakeLease(1, {
      rollout: {
        env: 'letter-count',
        task: 'count',
        slug: 'count-r-strawberry',
        args: { word: 'strawberry', letter: 'r' },
        agent: { type: 'claude', config: { model: 'claude-x', timeout_seconds: 30 } },
        group_id: 'g',
        runtime_config: { resources: { cpu: 1 } },
        verifier: null,
      },
    });
    expect(leaseRow(lease)).toMatchObject({
      env: 'letter-count',
      id: 'count',
      slug: 'count-r-strawberry',
      args: { word: 'strawberry', letter: 'r' },
      runtime_config: { resources: { cpu: 1 } },
      agent_config: { timeout_seconds: 30 },
    });
  });

  it("builds a model agent from the lease's key alone (through the gateway: no provider key needed)", async () => {
    const lease = fakeLease(2, {
      rollout: {
        ...fakeLease(2).rollout,
        agent: { type: 'claude', config: { model: 'claude-x', max_steps: 3 } },
      },
    });
    const { agent, maxSteps } = await leaseAgent(lease, urls);
    expect(maxSteps).toBe(3);
    expect(agent.model).toBe('claude-x');
  });
});

describe('a missing image is an error verdict, not a retry', () => {
  it('an environment never deployed (image null)', async () => {
    const substrate = await createSubstrate({
      runtime: 'docker',
      cwd: process.cwd(),
      fallbacks: {},
      concurrency: 1,
    });
    try {
      const outcome = await runLease({
        lease: fakeLease(3),
        substrate,
        urls,
        signal: new AbortController().signal,
      });
      expect(outcome).toMatchObject({ kind: 'complete', completion: { status: 'error' } });
      if (outcome.kind !== 'complete') throw new Error('unreachable');
      expect(outcome.completion.retry).toBeUndefined();
      expect(outcome.completion.error).toMatch(/'blocker' has no deployed image/);
      expect(outcome.completion.error).toContain('hud worker --runtime local');
    } finally {
      await substrate.close();
    }
  });

  it('an image that cannot be pulled (a registry that is not there)', async () => {
    const substrate = await createSubstrate({
      runtime: 'docker',
      cwd: process.cwd(),
      fallbacks: {},
      concurrency: 1,
    });
    try {
      const image = '127.0.0.1:9/hud-missing-image:never';
      const outcome = await runLease({
        lease: fakeLease(4, { environment: { name: 'blocker', image } }),
        substrate,
        urls,
        signal: new AbortController().signal,
      });
      if (outcome.kind !== 'complete') throw new Error(`dropped: ${outcome.reason}`);
      expect(outcome.completion.status).toBe('error');
      expect(outcome.completion.retry).toBeUndefined();
      expect(outcome.completion.error).toContain(image);
      expect(outcome.completion.error).toContain('[provisioning]');
    } finally {
      await substrate.close();
    }
  }, 60_000);
});
