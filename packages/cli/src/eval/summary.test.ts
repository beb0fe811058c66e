import { Job, type RunRecord } from '@hud/eval';
import Table from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { boxTable, CLI_TABLE_MAX_ROWS, displayWidth, summaryJson, summaryText } from './summary.js';

const HEAD = ['task', 'runs', 'mean reward', 'spread (std, min–max)', 'errors'];

/** What cli-table3 draws for the same cells, plain or in its default colours. */
function cliTable(rows: string[][], color: boolean): string {
  const table = new Table({ head: HEAD, style: color ? {} : { head: [], border: [] } });
  table.push(...rows);
  return table.toString();
}

const run = (slug: string, reward: number | null, index: number): RunRecord =>
  ({
    trace_id: `t${index}`,
    job_id: 'job',
    group_id: `g${index}`,
    group_index: 0,
    slug,
    task: { env: 'e', id: 'count', args: {}, slug },
    prompt: null,
    bindings: [],
    answer: '1',
    grade: reward === null ? null : { score: reward },
    reward,
    isError: reward === null,
    status: reward === null ? 'error' : 'completed',
    stop_reason: 'done',
    error: reward === null ? '[grading] boom' : null,
    timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
    usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: null,
      llm_call_count: 0,
    },
    started_at: '',
    ended_at: '',
  }) as RunRecord;

describe('the results table', () => {
  it('draws what cli-table3 draws, plain', () => {
    const rows = [
      ['count-1a2b3c4d', '3', '0.667', '0.471 (0.00–1.00)', '0'],
      ['a-much-longer-task-slug-than-the-others', '1', '—', '—', '1'],
      ['数え-1', '12', '1.000', '0.000 (1.00–1.00)', '0'],
      ['café-e\u0301', '1', '1.000', '—', '0'],
      ['x', '1', '0.000', '—', '10'],
    ];
    expect(boxTable(HEAD, rows, { color: false })).toBe(cliTable(rows, false));
    expect(boxTable(HEAD, [], { color: false })).toBe(cliTable([], false));
  });

  it('counts terminal columns', () => {
    expect(displayWidth('count-1a2b')).toBe(10);
    expect(displayWidth('数え')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('\u001b[31mred\u001b[39m')).toBe(3);
  });

  it('keeps cli-table3 up to its row limit and draws the same table past it, in linear time', () => {
    const small = new Job({
      id: 'job',
      name: 'n',
      group: 1,
      createdAt: '',
      runs: [run('a', 1, 0)],
    });
    expect(summaryText(small, 'store', { color: false })).toContain(
      cliTable([['a', '1', '1.000', '0.000 (1.00–1.00)', '0']], false),
    );
    const count = CLI_TABLE_MAX_ROWS + 1;
    const runs = Array.from({ length: count }, (_, index) =>
      run(`count-${index.toString(16).padStart(8, '0')}`, index % 7 === 0 ? null : 1, index),
    );
    const big = new Job({ id: 'job', name: 'n', group: 1, createdAt: '', runs });
    const rows = big
      .results()
      .map((result) => [
        result.slug,
        String(result.count),
        result.mean === null ? '—' : result.mean.toFixed(3),
        result.std === null
          ? '—'
          : `${result.std.toFixed(3)} (${result.min?.toFixed(2)}–${result.max?.toFixed(2)})`,
        String(result.errors),
      ]);
    const text = summaryText(big, 'store', { color: false });
    expect(text.startsWith(`${cliTable(rows, false)}\n`)).toBe(true);

    // 20,000 rows draw (cli-table3 took about a minute; the time is measured in bench/, not asserted here).
    const many = Array.from({ length: 20_000 }, (_, index) => run(`t-${index}`, 1, index));
    const drawn = summaryText(
      new Job({ id: 'job', name: 'n', group: 1, createdAt: '', runs: many }),
      's',
      {
        color: false,
      },
    );
    expect(drawn).toContain('│ t-19999 ');
  });
});

describe('the group line of a --group job', () => {
  /** `group` runs of each slug, sharing its group id, with `rewards` in turn. */
  const grouped = (rewards: Record<string, (number | null)[]>): RunRecord[] =>
    Object.entries(rewards).flatMap(([slug, values]) =>
      values.map((reward, index) => ({
        ...run(slug, reward, index),
        trace_id: `${slug}-${index}`,
        group_id: `group-${slug}`,
        group_index: index,
      })),
    );

  it('counts the groups with reward spread and names the export', () => {
    const runs = grouped({ a: [1, 0, 1, 0], b: [1, 1, 1, 1], c: [0, null, 1, 1] });
    const job = new Job({ id: 'job1', name: 'n', group: 4, createdAt: '', runs });
    expect(summaryText(job, 's', { color: false })).toContain(
      'groups: 2 of 3 with reward spread; advantages: hud jobs export job1 --format rl',
    );
    const json = summaryJson(job, 's');
    expect(json.groups).toEqual([
      { group_id: 'group-a', slug: 'a', runs: 4, verdicts: 4, mean: 0.5, std: 0.5, spread: true },
      { group_id: 'group-b', slug: 'b', runs: 4, verdicts: 4, mean: 1, std: 0, spread: false },
      {
        group_id: 'group-c',
        slug: 'c',
        runs: 4,
        verdicts: 3,
        mean: 2 / 3,
        std: Math.sqrt(2 / 9),
        spread: true,
      },
    ]);
  });

  it('warns when no group has spread, and says nothing for a job without groups', () => {
    const flat = grouped({ a: [1, 1], b: [0, 0] });
    const job = new Job({ id: 'job2', name: 'n', group: 2, createdAt: '', runs: flat });
    expect(summaryText(job, 's', { color: false })).toContain(
      'groups: none of 2 has reward spread (every GRPO advantage is 0)',
    );
    const single = new Job({ id: 'job3', name: 'n', group: 1, createdAt: '', runs: flat });
    expect(summaryText(single, 's', { color: false })).not.toContain('groups:');
  });
});
