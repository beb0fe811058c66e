import type { TraceStep } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { jobEnterReport, traceExitReport } from './lifecycle.js';
import { normalizeTraceId, stepSpan, stepSpanId } from './span.js';

describe('normalizeTraceId (hud-python normalize_trace_id)', () => {
  it('keeps 32 hex (dashes stripped, lowercased) and hashes anything else as uuid5(NAMESPACE_URL)', () => {
    expect(normalizeTraceId('0123456789ABCDEF0123456789abcdef')).toBe(
      '0123456789abcdef0123456789abcdef',
    );
    expect(normalizeTraceId('01234567-89ab-cdef-0123-456789abcdef')).toBe(
      '0123456789abcdef0123456789abcdef',
    );
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, 'hud.task_run:run-1').hex)"
    expect(normalizeTraceId('run-1')).toBe('a1512d2b077d52699e52b7122739c297');
  });
});

describe('stepSpan', () => {
  it('is the hud.step.v1 span of spec §8.2, with the step (null keys left out) as payload', () => {
    const run = 'ab'.repeat(16);
    const step: TraceStep = {
      step_id: 2,
      source: 'tool',
      error: 'boom',
      started_at: '2026-12-06T00:00:00.000000Z',
      ended_at: '2026-12-06T00:00:01.000000Z',
      content: null,
    };
    expect(stepSpan(run, step)).toEqual({
      name: 'step.tool',
      trace_id: run,
      span_id: stepSpanId(run, 2),
      parent_span_id: null,
      kind: 'INTERNAL',
      start_time: '2026-12-06T00:00:00.000000Z',
      end_time: '2026-12-06T00:00:01.000000Z',
      status_code: 'ERROR',
      status_message: 'boom',
      attributes: {
        'hud.schema': 'hud.step.v1',
        'hud.task_run_id': run,
        'hud.payload': {
          step_id: 2,
          source: 'tool',
          error: 'boom',
          started_at: '2026-12-06T00:00:00.000000Z',
          ended_at: '2026-12-06T00:00:01.000000Z',
        },
      },
      events: [],
    });
    expect(stepSpanId(run, 2)).toMatch(/^[0-9a-f]{16}$/);
    expect(stepSpanId(run, 3)).not.toBe(stepSpanId(run, 2));
    const ok = stepSpan(run, { step_id: 1, source: 'user', ended_at: step.ended_at });
    expect(ok).toMatchObject({
      status_code: 'OK',
      status_message: null,
      start_time: step.ended_at,
    });
  });
});

describe('traceExitReport', () => {
  it('sends error only for an errored run, and the grade as evaluation_result', () => {
    const base = {
      trace_id: 'cd'.repeat(16),
      grade: { score: 1 },
      reward: 1,
      status: 'completed',
      stop_reason: 'done',
      error: '[grading] ignored',
    } as Parameters<typeof traceExitReport>[0];
    expect(traceExitReport(base)).toEqual({
      path: `/v2/trace/${base.trace_id}/exit`,
      body: {
        status: 'completed',
        reward: 1,
        evaluation_result: { score: 1 },
        stop_reason: 'done',
      },
    });
    const failed = traceExitReport({ ...base, status: 'error', grade: null, reward: null });
    expect(failed.body).toEqual({
      status: 'error',
      error: '[grading] ignored',
      stop_reason: 'done',
    });
  });

  it("sends the run's usage as metadata.usage (what a viewer shows as tokens and cost)", () => {
    const usage = {
      prompt_tokens: 12,
      completion_tokens: 3,
      cached_tokens: 0,
      cost_usd: 0.01,
      llm_call_count: 1,
    };
    const run = {
      trace_id: 'ef'.repeat(16),
      grade: { score: 0 },
      reward: 0,
      status: 'completed',
      stop_reason: 'done',
      error: null,
      usage,
    } as Parameters<typeof traceExitReport>[0];
    expect(traceExitReport(run).body.metadata).toEqual({ usage });
  });
});

describe('jobEnterReport', () => {
  it('adds agent, model and total_count when known, and leaves unknown ones out', () => {
    expect(
      jobEnterReport({ id: 'j1', name: 'n', group: 2, agent: 'claude', model: 'm', totalCount: 6 })
        .body,
    ).toEqual({ name: 'n', group: 2, agent: 'claude', model: 'm', total_count: 6 });
    expect(jobEnterReport({ id: 'j1', name: 'n', group: 1, agent: null }).body).toEqual({
      name: 'n',
      group: 1,
    });
  });
});
