import { describe, expect, it } from 'vitest';
import type { TraceSummary } from './api.js';
import { applyStreamTraces } from './live.js';
import { jobMatrix } from './model.js';
import {
  compareJobs,
  jobFigures,
  outcomeOf,
  rowShown,
  type TaskStats,
  taskStats,
} from './stats.js';

function run(partial: Partial<TraceSummary>): TraceSummary {
  return {
    id: Math.random().toString(16).slice(2),
    job_id: 'j',
    group_id: null,
    task_slug: 'a',
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

const statsOf = (traces: TraceSummary[]) => jobMatrix(traces).rows.map(taskStats);

const task = (slug: string, mean: number | null, extra: Partial<TaskStats> = {}): TaskStats => ({
  slug,
  runs: 1,
  passed: mean === 1 ? 1 : 0,
  failed: mean !== null && mean < 1 ? 1 : 0,
  errored: 0,
  mean,
  std: mean === null ? null : 0,
  ...extra,
});

describe('outcomeOf and taskStats', () => {
  it('tells errors apart from 0 rewards and passes at reward >= 1', () => {
    expect(outcomeOf(run({ status: 'error', reward: 0 }))).toBe('errored');
    expect(outcomeOf(run({ reward: 0 }))).toBe('failed');
    expect(outcomeOf(run({ reward: 0.99 }))).toBe('failed');
    expect(outcomeOf(run({ reward: 1 }))).toBe('passed');
    expect(outcomeOf(run({ status: 'running' }))).toBe('pending');
  });

  it('gives mean and population spread over the verdicts only', () => {
    const [stats] = statsOf([
      run({ reward: 1 }),
      run({ reward: 0 }),
      run({ reward: 0.5 }),
      run({ status: 'error', reward: 0, error: 'boom' }),
      run({ status: 'running' }),
    ]);
    expect(stats).toMatchObject({ runs: 5, passed: 1, failed: 2, errored: 1, mean: 0.5 });
    expect(stats?.std).toBeCloseTo(Math.sqrt(1 / 6), 12);
    expect(statsOf([run({ status: 'error' })])[0]).toMatchObject({ mean: null, std: null });
  });
});

describe('rowShown', () => {
  const stats = task('a', 0.5, { passed: 1, failed: 1, runs: 2, errored: 0 });
  it('filters by outcome and by change against a baseline', () => {
    expect(rowShown(stats, '')).toBe(true);
    expect(rowShown(stats, 'passed')).toBe(true);
    expect(rowShown(stats, 'failed')).toBe(true);
    expect(rowShown(stats, 'errored')).toBe(false);
    expect(rowShown(stats, 'changed')).toBe(false);
    expect(rowShown(stats, 'changed', new Map([['a', task('a', 0.5)]]))).toBe(false);
    expect(rowShown(stats, 'changed', new Map([['a', task('a', 1)]]))).toBe(true);
    expect(rowShown(stats, 'changed', new Map())).toBe(true);
  });
});

describe('compareJobs', () => {
  it('pairs tasks by slug, marks improvements and regressions, sorts by change', () => {
    const rows = compareJobs(
      [task('same', 1), task('up', 1), task('down', 0), task('slight', 0.6), task('new', 1)],
      [task('same', 1), task('up', 0), task('down', 1), task('slight', 0.5), task('gone', 1)],
    );
    expect(rows.map((row) => [row.slug, row.change])).toEqual([
      ['down', 'regressed'],
      ['up', 'improved'],
      ['slight', 'improved'],
      ['same', 'same'],
      ['gone', 'only-other'],
      ['new', 'only-this'],
    ]);
    expect(rows[0]?.delta).toBe(-1);
    expect(rows[2]?.delta).toBeCloseTo(0.1, 12);
  });
});

describe('jobFigures', () => {
  it('computes success rate over verdicts and pass@k over tasks when grouped', () => {
    const figures = jobFigures(
      statsOf([
        run({ task_slug: 'a', reward: 1 }),
        run({ task_slug: 'a', reward: 0 }),
        run({ task_slug: 'b', reward: 0 }),
        run({ task_slug: 'b', status: 'error' }),
        run({ task_slug: 'c', status: 'running' }),
      ]),
    );
    expect(figures).toMatchObject({ runs: 5, passed: 1, failed: 2, errored: 1, pending: 1 });
    expect(figures.successRate).toBeCloseTo(1 / 3, 12);
    expect(figures.mean).toBeCloseTo(1 / 3, 12);
    expect(figures.passAtK).toBe(0.5);
    expect(jobFigures(statsOf([run({ reward: 1 })])).passAtK).toBeNull();
  });
});

describe('applyStreamTraces', () => {
  it('updates known runs, appends new ones, and keeps the same list when nothing changed', () => {
    const known = run({ id: 't1', status: 'running' });
    const traces = [known];
    const event = {
      trace_id: 't1',
      status: 'running' as const,
      reward: null,
      error: null,
      slug: 'a',
      group_id: null,
    };
    expect(applyStreamTraces(traces, [event], 'j')).toBe(traces);
    const next = applyStreamTraces(
      traces,
      [
        { ...event, status: 'completed', reward: 1 },
        { ...event, trace_id: 't2', slug: 'b', attempt: 1 },
      ],
      'j',
    );
    expect(next.map((t) => [t.id, t.status, t.reward, t.task_slug, t.group_index])).toEqual([
      ['t1', 'completed', 1, 'a', undefined],
      ['t2', 'running', null, 'b', 1],
    ]);
    expect(traces[0]?.status).toBe('running');
  });
});
