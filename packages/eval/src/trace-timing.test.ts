import { describe, expect, it } from 'vitest';
import { Trace } from './trace.js';
import { stepSpan } from './upload/span.js';

describe('step timings (the viewer shows per-step latency from the spans)', () => {
  it('starts an agent or tool step without a start where the step before it ended', () => {
    const trace = new Trace({ traceId: 'ab'.repeat(16) });
    trace.record({ source: 'user', messages: [], ended_at: '2026-01-01T00:00:00.000000Z' });
    const agent = trace.record({
      source: 'agent',
      content: 'hi',
      ended_at: '2026-01-01T00:00:02.500000Z',
    });
    const tool = trace.record({ source: 'tool', ended_at: '2026-01-01T00:00:03.000000Z' });
    const timed = trace.record({
      source: 'agent',
      started_at: '2026-01-01T00:00:03.100000Z',
      ended_at: '2026-01-01T00:00:04.000000Z',
    });
    expect(agent?.started_at).toBe('2026-01-01T00:00:00.000000Z');
    expect(tool?.started_at).toBe('2026-01-01T00:00:02.500000Z');
    // A start the agent recorded is kept; the first step (nothing before it) has none.
    expect(timed?.started_at).toBe('2026-01-01T00:00:03.100000Z');
    expect(trace.steps[0]?.started_at).toBeUndefined();
    const span = stepSpan('ab'.repeat(16), agent as never);
    expect(Date.parse(span.end_time) - Date.parse(span.start_time)).toBe(2_500);
  });
});
