import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job, type JobEvent, Taskset } from '@hud/eval';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEvalPlan, type EvalFlags } from '../eval/plan.js';
import { hostedRollouts } from './hosted-eval.js';
import { HostedJobTracker } from './hosted-eval-job.js';
import { followJobStream } from './hosted-eval-stream.js';

const flags = (more: Partial<EvalFlags> = {}): EvalFlags => ({
  config: [],
  store: '.hud',
  ...more,
});
const plan = (more: Partial<EvalFlags> = {}) =>
  buildEvalPlan({
    source: 'letter-count',
    agent: 'claude',
    flags: flags(more),
    agents: ['oracle', 'claude'],
    exists: () => false,
  });

describe('hud eval --remote: the plan and the submitted rollouts', () => {
  it('--remote is in the plan, and refused with --runtime or --resume', () => {
    expect(plan({ remote: true }).remote).toBe(true);
    expect(plan().remote).toBe(false);
    expect(() => plan({ remote: true, runtime: 'docker' })).toThrow(
      '--remote runs on the platform: it cannot be combined with --runtime',
    );
  });

  it('one rollout per row × group: fresh trace ids, one group id per task, the row agent_config winning', () => {
    const taskset = new Taskset('t', [
      { env: 'e', id: 'count', slug: 'a', args: { word: 'x' }, agent_config: { temperature: 0 } },
      { env: 'e', id: 'count', slug: 'b', args: {}, runtime_config: { resources: { cpu: 2 } } },
    ]);
    const submitted = plan({ group: '3', model: 'claude-x', config: ['temperature=1'] });
    const rollouts = hostedRollouts(taskset.tasks, submitted);
    expect(rollouts).toHaveLength(6);
    expect(new Set(rollouts.map((rollout) => rollout.trace_id)).size).toBe(6);
    expect(rollouts.map((rollout) => rollout.slug)).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    const groups = rollouts.map((rollout) => rollout.group_id);
    expect(new Set(groups.slice(0, 3)).size).toBe(1);
    expect(new Set(groups).size).toBe(2);
    expect(rollouts[0]).toMatchObject({
      env: 'e',
      task: 'count',
      args: { word: 'x' },
      agent: { type: 'claude', config: { model: 'claude-x', max_steps: 10, temperature: 0 } },
    });
    expect(rollouts[3]?.agent.config.temperature).toBe(1);
    expect(rollouts[3]?.runtime_config).toEqual({ resources: { cpu: 2 } });
  });
});

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe("following a hosted job's stream", () => {
  it('reopens a dropped stream and reports each finished trace once across the replayed snapshot', async () => {
    let connections = 0;
    server = createServer((request, response) => {
      connections++;
      expect(request.headers.authorization).toBe('Bearer hud_key');
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (event: string, data: unknown) =>
        response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const one = { trace_id: 't1', status: 'completed', reward: 1, slug: 'a', group_id: 'g' };
      if (connections === 1) {
        send('snapshot', {
          job_id: 'j',
          total: 2,
          traces: [one, { trace_id: 't2', status: 'running', slug: 'b' }],
        });
        response.write(': ping\n\n');
        // Dropped before the end: the client must reconnect.
        response.destroy();
        return;
      }
      send('snapshot', {
        job_id: 'j',
        total: 2,
        traces: [one, { trace_id: 't2', status: 'running', slug: 'b' }],
      });
      send('trace', { trace_id: 't2', status: 'error', reward: null, error: 'boom', slug: 'b' });
      send('end', { job_id: 'j', counts: { completed: 1, error: 1 } });
      response.end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const events: JobEvent[] = [];
    const tracker = new HostedJobTracker({
      job: new Job({ id: 'j', name: 'j', group: 1, createdAt: '2026-01-01T00:00:00Z' }),
      total: 2,
      emit: (event) => events.push(event),
    });
    const troubles: (string | undefined)[] = [];
    const outcome = await followJobStream(
      { apiUrl: `http://127.0.0.1:${port}`, apiKey: 'hud_key', jobId: 'j' },
      {
        onSnapshot: tracker.onSnapshot,
        onTrace: tracker.onTrace,
        onTrouble: (error) => troubles.push(error?.message),
      },
    );
    expect(outcome).toBe('ended');
    expect(connections).toBe(2);
    expect(troubles).toHaveLength(2);
    expect(troubles[1]).toBeUndefined();
    const job = tracker.finish();
    expect(events.filter((event) => event.type === 'run-end')).toHaveLength(2);
    expect(events.filter((event) => event.type === 'job-start')).toHaveLength(1);
    expect(job.reward).toBe(1);
    expect(job.errors.map((run) => [run.slug, run.error])).toEqual([['b', 'boom']]);
    expect(job.cancelled).toBe(false);
  });

  it('names an unknown job (404) instead of retrying', async () => {
    server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'no job j' } }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await expect(
      followJobStream(
        { apiUrl: `http://127.0.0.1:${port}`, apiKey: 'hud_key', jobId: 'j' },
        { onSnapshot: () => {}, onTrace: () => {} },
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
