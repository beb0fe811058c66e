import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';
import type { UsageInput } from '../areas/usage.js';

const hex = () => randomBytes(16).toString('hex');

describeEachDialect('LLM usage on %s', (suite) => {
  const { skip } = suite;

  const usage = (
    teamId: string,
    traceId: string | null,
    extra: Partial<UsageInput> = {},
  ): UsageInput => ({
    teamId,
    keyId: 'key-1',
    traceId,
    model: 'claude-sonnet-4-6',
    upstreamModel: 'claude-sonnet-4-6',
    provider: 'anthropic',
    api: 'anthropic-messages',
    streamed: false,
    complete: true,
    inputTokens: 100,
    outputTokens: 20,
    cachedTokens: 40,
    costUsd: 0.000492,
    ...extra,
  });

  it.skipIf(skip)(
    'sums requests per trace and per job, before and after the trace is known',
    async () => {
      const teamId = randomUUID();
      const jobId = hex();
      const [early, known, other] = [hex(), hex(), hex()];
      // A request recorded before its trace reached the gateway still counts for the job later.
      await suite.store.usage.recordUsage(usage(teamId, early));
      await suite.store.jobs.enterTrace({
        teamId,
        traceId: early,
        jobId,
        groupId: null,
        taskSlug: null,
        model: null,
      });
      await suite.store.jobs.enterTrace({
        teamId,
        traceId: known,
        jobId,
        groupId: null,
        taskSlug: null,
        model: null,
      });
      await suite.store.usage.recordUsage(
        usage(teamId, known, { streamed: true, complete: false, cachedTokens: null, costUsd: 0.5 }),
      );
      await suite.store.usage.recordUsage(
        usage(teamId, other, { inputTokens: null, outputTokens: null, costUsd: null }),
      );
      await suite.store.usage.recordUsage(usage(randomUUID(), known));
      await suite.store.usage.recordUsage(usage(teamId, null));

      const trace = await suite.store.usage.traceUsage(teamId, known);
      expect(trace).toMatchObject({
        requests: 1,
        input_tokens: 100,
        output_tokens: 20,
        cached_tokens: 0,
      });
      expect(trace.cost_usd).toBeCloseTo(0.5, 12);
      const job = await suite.store.usage.jobUsage(teamId, jobId);
      expect(job).toMatchObject({
        requests: 2,
        input_tokens: 200,
        output_tokens: 40,
        cached_tokens: 40,
        unpriced_requests: 0,
      });
      expect(job.cost_usd).toBeCloseTo(0.500492, 12);
      expect(await suite.store.usage.traceUsage(teamId, other)).toMatchObject({
        requests: 1,
        input_tokens: 0,
        cost_usd: 0,
        unpriced_requests: 1,
      });
      expect(await suite.store.usage.jobUsage(teamId, hex())).toEqual({
        requests: 0,
        input_tokens: 0,
        output_tokens: 0,
        cached_tokens: 0,
        cost_usd: 0,
        unpriced_requests: 0,
      });
    },
  );
});
