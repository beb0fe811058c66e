import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { runId, stepSpan } from '../testing/spans.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

const upload = (id: string, telemetry: unknown[]) =>
  gateway.call('POST', `/v3/api/trace/${id}/telemetry-upload`, { body: { telemetry } });

describe('POST /v3/api/trace/{task_run_id}/telemetry-upload', () => {
  it('stores hud-python spans and answers once they are stored; a re-send adds nothing', async () => {
    gateway = await testGateway();
    const id = runId();
    const spans = [
      stepSpan(
        id,
        {
          step_id: 1,
          source: 'user',
          messages: [{ role: 'user', content: { type: 'text', text: 'Count the rs' } }],
        },
        { start: '2026-01-01T00:00:00.000001+00:00' },
      ),
      stepSpan(
        id,
        { step_id: 2, source: 'agent', content: '3', tool_calls: [] },
        { start: '2026-01-01T00:00:01.5Z' },
      ),
    ];
    const first = await upload(id, spans);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ trace_id: id, received: 2, inserted: 2 });
    const again = await upload(id, spans);
    expect(again.body).toEqual({ trace_id: id, received: 2, inserted: 0 });
    const stored = await gateway.call('GET', `/v2/trace/${id}/spans`);
    expect(stored.body.spans).toEqual(spans);
    expect((await gateway.call('GET', `/v2/trace/${id}`)).body).toMatchObject({
      id,
      span_count: 2,
    });
  });

  it('rejects a batch with one malformed span whole, naming the span and the field', async () => {
    gateway = await testGateway();
    const id = runId();
    const good = stepSpan(id, { step_id: 1, source: 'agent', content: 'ok' });
    const bad = { ...stepSpan(id, { step_id: 2, source: 'agent' }), span_id: 'not-hex' };
    const response = await upload(id, [good, bad, stepSpan(id, { step_id: 3, source: 'agent' })]);
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({
      code: 'invalid_request',
      message:
        'telemetry batch rejected, nothing stored: span telemetry[1] (span_id "not-hex"): span_id: expected 16 hexadecimal characters',
    });
    // Nothing half-written: not even the valid first span, nor the trace.
    expect((await gateway.call('GET', `/v2/trace/${id}/spans`)).status).toBe(404);

    const extraKey = await upload(id, [{ ...good, surprise: 1 }]);
    expect(extraKey.status).toBe(400);
    expect(extraKey.body.error.message).toMatch(/telemetry\[0\].*Unrecognized key.*surprise/);
    const badTime = await upload(id, [{ ...good, start_time: 'yesterday' }]);
    expect(badTime.body.error.message).toMatch(
      /telemetry\[0\].*start_time: expected an ISO-8601 time/,
    );
    const notAList = await gateway.call('POST', `/v3/api/trace/${id}/telemetry-upload`, {
      body: { telemetry: 'spans' },
    });
    expect(notAList.status).toBe(400);
    expect(notAList.body.error.message).toMatch(/^invalid body: telemetry: /);
  });

  it('refuses a body over the limit and a malformed run id', async () => {
    gateway = await testGateway({ bodyLimits: { telemetry: 2_048 } });
    const id = runId();
    const big = stepSpan(id, { step_id: 1, source: 'agent', content: 'x'.repeat(4_096) });
    const tooLarge = await upload(id, [big]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toEqual({
      code: 'payload_too_large',
      message: "request body over this route's limit of 2048 bytes",
    });
    const badId = await upload('bad$id', []);
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/^task_run_id "bad\$id" is not an id/);
    const notJson = await gateway.call('POST', `/v3/api/trace/${id}/telemetry-upload`, {
      body: '{"telemetry": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_request');
  });
});
