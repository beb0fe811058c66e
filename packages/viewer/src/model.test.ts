import { describe, expect, it } from 'vitest';
import type { TraceSummary } from './api.js';
import {
  formatDuration,
  formatMs,
  formatPercent,
  gradeOf,
  jobMatrix,
  rewardColour,
  stepsOfSpans,
} from './model.js';

const span = (payload: unknown, schema = 'hud.step.v1') => ({
  span_id: Math.random().toString(16).slice(2),
  attributes: { 'hud.schema': schema, 'hud.payload': payload },
});

function run(partial: Partial<TraceSummary>): TraceSummary {
  return {
    id: 'x',
    job_id: 'j',
    group_id: null,
    task_slug: null,
    model: null,
    status: 'completed',
    reward: null,
    error: null,
    evaluation_result: null,
    stop_reason: null,
    created_at: '',
    start_time: null,
    end_time: null,
    ...partial,
  };
}

describe('stepsOfSpans', () => {
  it('keeps hud.step.v1 payloads in step order and skips other spans', () => {
    const steps = stepsOfSpans([
      span({ step_id: 2, source: 'agent', content: 'hi' }),
      span({ step_id: 9, source: 'tool' }, 'other.schema'),
      span({ step_id: 1, source: 'user' }),
      { span_id: 'bare' },
      span('not an object'),
    ]);
    expect(steps.map((s) => [s.step_id, s.source])).toEqual([
      [1, 'user'],
      [2, 'agent'],
    ]);
  });
});

describe('jobMatrix', () => {
  it('places attempts by group_index, averages rewards of runs with a verdict, counts errors', () => {
    const { rows, width } = jobMatrix([
      run({ id: 'a1', task_slug: 'a', group_index: 1, reward: 1 }),
      run({ id: 'b0', task_slug: 'b', group_index: 0, reward: 0 }),
      run({ id: 'a0', task_slug: 'a', group_index: 0, reward: 0.5 }),
      run({ id: 'b1', task_slug: 'b', group_index: 1, status: 'error', reward: null }),
    ]);
    expect(width).toBe(2);
    expect(rows.map((r) => [r.slug, r.attempts.map((t) => t?.id), r.mean, r.errors])).toEqual([
      ['a', ['a0', 'a1'], 0.75, 0],
      ['b', ['b0', 'b1'], 0, 1],
    ]);
  });

  it('without group_index, numbers attempts in arrival order per task', () => {
    const { rows } = jobMatrix([
      run({ id: '1', task_slug: 's' }),
      run({ id: '2', task_slug: 't' }),
      run({ id: '3', task_slug: 's' }),
    ]);
    expect(rows[0]?.attempts.map((t) => t?.id)).toEqual(['1', '3']);
    expect(rows[0]?.mean).toBeNull();
  });
});

describe('gradeOf', () => {
  it('reads list and record subscores, content, info and isError', () => {
    expect(
      gradeOf({ score: 0.5, subscores: [{ name: 'x', value: 1, weight: 0.5 }], content: 'ok' }),
    ).toEqual({
      score: 0.5,
      subscores: [{ name: 'x', value: 1, weight: 0.5 }],
      content: 'ok',
      info: null,
      isError: false,
    });
    expect(gradeOf({ score: 1, subscores: { a: 1, b: 0 }, isError: true })?.subscores).toEqual([
      { name: 'a', value: 1 },
      { name: 'b', value: 0 },
    ]);
    expect(gradeOf(null)).toBeNull();
  });
});

describe('formatting', () => {
  it('colours rewards from red to green and grey for none', () => {
    expect(rewardColour(0)).toBe('hsl(0, 65%, 72%)');
    expect(rewardColour(1)).toBe('hsl(120, 65%, 72%)');
    expect(rewardColour(null)).toBe('#d8d8d8');
  });
  it('formats durations', () => {
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T00:00:01.500Z')).toBe('1.5s');
    expect(formatDuration('2026-01-01T00:00:00Z', '2026-01-01T01:02:00Z')).toBe('1h 2m');
    expect(formatDuration(null, 'x')).toBe('—');
  });
});

describe('per-step usage and latency', () => {
  it('takes latency from the span times and usage from GenAI attributes when the step lacks them', () => {
    const [step] = stepsOfSpans([
      {
        span_id: 's',
        start_time: '2026-01-01T00:00:00.000Z',
        end_time: '2026-01-01T00:00:02.500Z',
        attributes: {
          'hud.schema': 'hud.step.v1',
          'hud.payload': { step_id: 1, source: 'agent' },
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.usage.output_tokens': 3,
        },
      },
    ]);
    expect(step?.usage).toEqual({ prompt_tokens: 10, completion_tokens: 3 });
    expect(formatDuration(step?.started_at, step?.ended_at)).toBe('2.5s');
    expect(formatMs(999)).toBe('999ms');
    expect(formatMs(61_000)).toBe('1m 1s');
    expect(formatPercent(2 / 3)).toBe('66.7%');
    expect(formatPercent(null)).toBe('—');
  });
});
