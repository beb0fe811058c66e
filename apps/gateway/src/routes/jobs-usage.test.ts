import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { costOf, priceOfModel } from '../llm/prices.js';
import { disposeTestGateways } from '../testing/app.js';
import { llmTestGateway } from '../testing/llm-gateway.js';

afterEach(disposeTestGateways);

const runId = () => randomBytes(16).toString('hex');

describe('LLM usage on jobs and traces', () => {
  it('GET /v2/jobs, /v2/jobs/{id} and its traces carry input_tokens, output_tokens, cost_usd', async () => {
    await using setup = await llmTestGateway([
      { text: 'one', usage: { inputTokens: 100, outputTokens: 10 } },
      { text: 'two', usage: { inputTokens: 50, outputTokens: 5 } },
    ]);
    const { gateway } = setup;
    const jobId = runId();
    const [traceA, traceB] = [runId(), runId()];
    await gateway.call('POST', `/v2/trace/job/${jobId}/enter`, { body: { name: 'j', group: 1 } });
    for (const traceId of [traceA, traceB]) {
      await gateway.call('POST', `/v2/trace/${traceId}/enter`, { body: { job_id: jobId } });
      const response = await fetch(`${setup.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': gateway.adminKey,
          'trace-id': traceId,
        },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const price = priceOfModel('claude-sonnet-4-6', 'claude-sonnet-4-6');
    const cost = (inputTokens: number, outputTokens: number) =>
      costOf({ inputTokens, outputTokens, cachedTokens: null }, price);
    await vi.waitFor(async () => {
      const job = await gateway.call('GET', `/v2/jobs/${jobId}`);
      expect(job.body).toMatchObject({ id: jobId, input_tokens: 150, output_tokens: 15 });
      expect(job.body.cost_usd).toBeCloseTo(cost(150, 15) ?? Number.NaN, 12);
    });
    const list = await gateway.call('GET', '/v2/jobs');
    expect(list.body.items[0]).toMatchObject({ id: jobId, input_tokens: 150, output_tokens: 15 });
    const traces = await gateway.call('GET', `/v2/jobs/${jobId}/traces`);
    const byId = Object.fromEntries(
      traces.body.items.map((trace: { id: string }) => [trace.id, trace]),
    );
    expect(byId[traceA]).toMatchObject({ input_tokens: 100, output_tokens: 10 });
    expect(byId[traceA].cost_usd).toBeCloseTo(cost(100, 10) ?? Number.NaN, 12);
    expect(byId[traceB]).toMatchObject({
      input_tokens: 50,
      output_tokens: 5,
      unpriced_requests: 0,
    });
  });
});
