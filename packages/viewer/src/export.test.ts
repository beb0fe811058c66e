import { describe, expect, it } from 'vitest';
import type { TraceSummary } from './api.js';
import { csvField, matrixCsv, matrixJson } from './export.js';
import { jobMatrix } from './model.js';
import { taskStats } from './stats.js';

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

const matrix = jobMatrix([
  run({ id: 'a0', task_slug: 'a,"quoted"', group_index: 0, reward: 1 }),
  run({ id: 'a1', task_slug: 'a,"quoted"', group_index: 1, reward: 0 }),
  run({ id: 'b0', task_slug: 'b', group_index: 0, status: 'error', error: 'no\nspace' }),
]);
const stats = matrix.rows.map(taskStats);

describe('csvField', () => {
  it('quotes commas, quotes and line breaks only', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.5)).toBe('0.5');
  });
});

describe('matrixCsv', () => {
  it('writes a header, per-task stats and one column per attempt', () => {
    expect(matrixCsv(matrix.rows, stats, matrix.width)).toBe(
      [
        'task,runs,passed,failed,errored,mean,std,attempt_1,attempt_2',
        '"a,""quoted""",2,1,1,0,0.5,0.5,1,0',
        'b,1,0,0,1,,,error,',
        '',
      ].join('\r\n'),
    );
  });
});

describe('matrixJson', () => {
  it('keeps each attempt with its trace id, status, reward and error', () => {
    const json = matrixJson({ id: 'j', name: 'n' }, matrix.rows, stats);
    expect(json.job_id).toBe('j');
    expect(json.tasks[1]).toMatchObject({
      slug: 'b',
      errored: 1,
      attempts: [{ trace_id: 'b0', status: 'error', reward: null, error: 'no\nspace' }],
    });
    expect(json.tasks[0]?.attempts.map((a) => a?.trace_id)).toEqual(['a0', 'a1']);
  });
});
