import { fileURLToPath } from 'node:url';
import { type FakeProvider, startFakeProvider } from '@hud/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { platformUrls } from '../platform/urls.js';
import { type FakeGateway, fakeLease, startFakeGateway } from './__fixtures__/fake-gateway.js';
import { runLease } from './run-lease.js';
import { createSubstrate, type Substrate } from './substrate.js';
import { WorkerClient } from './worker-client.js';
import { Worker } from './worker-loop.js';

// Issue 17: a hosted trace's page shows its model, stop reason and grade as an uploaded one does, so the
// worker's verdict carries them. A real worker loop, WorkerClient and runLease against the fake of the
// gateway's worker routes over HTTP on 127.0.0.1; the rollout runs examples/letter-count as a local child
// with a `claude` agent whose model calls go to a fake Anthropic upstream (the lease's gateway URL).

const LETTER_COUNT = fileURLToPath(new URL('../../../../examples/letter-count/', import.meta.url));

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("a hosted rollout's verdict", () => {
  it('carries the grade and stop reason as /exit sends them, and the agent’s model', async () => {
    const gateway: FakeGateway = await startFakeGateway();
    closers.push(() => {
      // The claim the worker's stop aborts may leave a connection that never sent a request, which the
      // server's close would wait out until its headers timeout.
      gateway.app.server.closeAllConnections();
      return gateway.close();
    });
    const model: FakeProvider = await startFakeProvider({ turns: [{ text: '3' }] });
    closers.push(() => model.close());
    const substrate: Substrate = await createSubstrate({
      runtime: 'local',
      cwd: LETTER_COUNT,
      fallbacks: hudModuleFallbacks(),
      concurrency: 1,
    });
    closers.push(() => substrate.close());
    // Spans and verdicts go to the fake gateway; the agent's model calls to the fake upstream.
    const urls = { ...platformUrls({ HUD_API_URL: gateway.url }), gateway: model.url };
    const lease = fakeLease(7, {
      lease_ttl_s: 5,
      rollout: {
        env: 'letter-count',
        task: 'count',
        slug: 'count-r-strawberry',
        args: { word: 'strawberry', letter: 'r' },
        agent: { type: 'claude', config: { model: 'claude-report-test', max_steps: 3 } },
        group_id: null,
        runtime_config: null,
        verifier: null,
      },
      environment: { name: 'letter-count', image: null },
    });
    gateway.queue.push(lease);
    const lines: string[] = [];
    const worker = new Worker({
      calls: new WorkerClient(gateway.url, 'hud_worker_key', {
        workerId: 'w'.repeat(32),
        name: 'report-worker',
        runtimes: ['local'],
      }),
      concurrency: 1,
      waitS: 0,
      backoff: { minMs: 20, maxMs: 50 },
      log: (line) => lines.push(line),
      run: (claimed, signal) => runLease({ lease: claimed, substrate, urls, signal }),
    });
    const running = worker.run();
    closers.push(async () => {
      await worker.stop();
      await running;
    });
    await vi.waitFor(() => expect(gateway.completes).toHaveLength(1), { timeout: 60_000 });
    expect(model.requests.length, lines.join('\n')).toBeGreaterThan(0);
    const [body] = gateway.completes;
    expect(body, lines.join('\n')).toMatchObject({
      lease_id: lease.lease_id,
      status: 'completed',
      reward: 1,
      stop_reason: 'done',
      model: 'claude-report-test',
    });
    // The `tasks.grade` frame as `/exit`'s `evaluation_result` (hud-python's EvaluationResult on the wire).
    // letter-count's grader yields a bare number, so its frame is the score alone.
    expect(body?.evaluation_result).toEqual({ score: 1 });
    expect(body).not.toHaveProperty('retry');
  }, 90_000);
});
