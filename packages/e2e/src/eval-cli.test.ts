import path from 'node:path';
import { importModule } from '@hud/environment';
import { loadTaskset, type RunRecord } from '@hud/eval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jobIdOf,
  jobIds,
  LETTER_COUNT,
  readJobMeta,
  readRunLines,
  readTraceSteps,
  removeScratch,
  report,
  runOf,
  scratchDir,
  stageFixture,
  WORD_STATS,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';
import { serveEnv } from './support/served-env.js';

// `hud eval` through the real CLI child process: the "Done when" for the happy paths.

const slugsOf = async (file: string) => (await loadTaskset(file, { importModule })).slugs;

/** `hud eval <source> <agent> …flags --store <store>`. */
const evalInto = (store: string, source: string, agent: string, ...flags: string[]) =>
  runHud(['eval', source, agent, ...flags, '--store', store]);

/** The body rows of the results table (cells trimmed), header excluded. */
function tableRows(text: string): string[][] {
  const rows = text
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  expect(rows[0]).toEqual(['task', 'runs', 'mean reward', 'spread (std, min–max)', 'errors']);
  return rows.slice(1);
}

/** Asserts the results table in `text` lists `slugs` in order, each run once with mean reward `reward`. */
function expectTable(text: string, slugs: readonly string[], reward: string): void {
  const rows = tableRows(text);
  expect(rows.map((row) => row[0])).toEqual(slugs);
  for (const row of rows) expect(row.slice(1, 3)).toEqual(['1', reward]);
}

/** Parses stdout as exactly one JSON object (nothing else on it). */
function onlyJson(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  expect(lines, `stdout should be one JSON line:\n${stdout}`).toHaveLength(1);
  const value = JSON.parse(lines[0] as string);
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value;
}

afterAll(removeScratch);

describe('hud eval on the examples', () => {
  let letterSlugs: string[];
  let wordSlugs: string[];
  beforeAll(async () => {
    letterSlugs = await slugsOf(LETTER_COUNT);
    wordSlugs = await slugsOf(WORD_STATS);
    expect(letterSlugs).toHaveLength(3);
    expect(wordSlugs).toHaveLength(4);
  });

  it('letter-count with oracle: exit 0, 1.000 for every task, and a complete job store', async () => {
    const store = scratchDir('store');
    const run = await runHud(['eval', LETTER_COUNT, 'oracle', '--all', '--store', store]);
    expect(run.code, run.stderr).toBe(0);
    expectTable(run.stdout, letterSlugs, '1.000');
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);

    const jobId = jobIdOf(run.stdout);
    expect(jobIds(store)).toEqual([jobId]);
    const meta = readJobMeta(store, jobId);
    expect(meta).toMatchObject({
      id: jobId,
      status: 'completed',
      source: LETTER_COUNT,
      agent: { name: 'oracle' },
      taskset: { name: 'letter-count', count: 3 },
      totals: { runs: 3, verdicts: 3, errors: 0, reward: 1 },
    });
    const runs = readRunLines(store, jobId);
    expect(runs.map((record) => record.slug).sort()).toEqual([...letterSlugs].sort());
    for (const record of runs) {
      expect(record).toMatchObject({
        job_id: jobId,
        reward: 1,
        isError: false,
        status: 'completed',
        error: null,
        grade: { score: 1 },
      });
      const steps = readTraceSteps(store, jobId, record.trace_id);
      expect(steps.map((step) => step.step_id)).toEqual(steps.map((_, index) => index + 1));
      expect(steps.map((step) => step.source)).toEqual(['task', 'user', 'agent', 'task']);
      const [setup, user, agent, evaluate] = steps;
      expect(setup?.task_call).toMatchObject({
        phase: 'setup',
        name: 'count',
        arguments: record.task.args,
        result: { prompt: record.prompt },
      });
      expect(user?.messages?.[0]).toEqual({
        role: 'user',
        content: { type: 'text', text: record.prompt },
      });
      expect(agent?.content).toBe(record.answer);
      expect(evaluate?.task_call).toMatchObject({
        phase: 'evaluate',
        name: 'count',
        arguments: { answer: record.answer },
        result: { score: 1 },
      });
      for (const step of steps) expect(step.ended_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    }
    const totals = runs.map((record) => record.timings.total);
    const starts = runs.map((record) => record.timings.provisioning + record.timings.starting);
    report(
      `letter-count oracle: per-run total ${totals.join(', ')} ms (provisioning+start ${starts.join(', ')} ms)`,
    );
  });

  it('letter-count with nop and --json: exit 0, reward 0.000, one JSON object on stdout', async () => {
    const store = scratchDir('store');
    const run = await runHud(['eval', LETTER_COUNT, 'nop', '--all', '--json', '--store', store]);
    expect(run.code, run.stderr).toBe(0);
    const summary = onlyJson(run.stdout);
    expect(summary).toMatchObject({ reward: 0, runs: 3, verdicts: 3, errors: 0, failures: [] });
    expect(summary.job_id).toMatch(/^[0-9a-f]{32}$/);
    expect(summary.store).toBe(path.join(store, summary.job_id as string));
    const tasks = summary.tasks as { slug: string; reward: number; runs: number }[];
    expect(tasks.map((task) => task.slug)).toEqual(letterSlugs);
    for (const task of tasks) expect(task).toMatchObject({ runs: 1, reward: 0, errors: 0 });
    // Every human line went to stderr: the header, the run lines, the table.
    expect(run.stderr).toMatch(/^hud eval: 3 tasks × 1 with nop on local/m);
    const rows = tableRows(run.stderr);
    for (const row of rows) expect(row.slice(1, 3)).toEqual(['1', '0.000']);
    expect(readRunLines(store, summary.job_id as string)).toHaveLength(3);
  });

  it('word-stats: oracle scores 1.0 (--json), nop 0.0, both exit 0', async () => {
    const store = scratchDir('store');
    const oracle = await evalInto(store, WORD_STATS, 'oracle', '--all', '--json');
    expect(oracle.code, oracle.stderr).toBe(0);
    const summary = onlyJson(oracle.stdout);
    expect(summary).toMatchObject({ reward: 1, runs: 4, verdicts: 4, errors: 0 });
    expect((summary.tasks as { slug: string }[]).map((task) => task.slug)).toEqual(wordSlugs);
    for (const task of summary.tasks as object[]) expect(task).toMatchObject({ reward: 1 });

    const nop = await runHud(['eval', WORD_STATS, 'nop', '--all', '--store', store]);
    expect(nop.code, nop.stderr).toBe(0);
    expectTable(nop.stdout, wordSlugs, '0.000');
    expect(nop.stdout).toMatch(/reward 0\.000 over 4 graded runs/);
    // The word-stats trace records the system+user prompt as two user-role messages (spec §5.4).
    const jobId = jobIdOf(nop.stdout);
    const [first] = readRunLines(store, jobId);
    const steps = readTraceSteps(store, jobId, (first as RunRecord).trace_id);
    expect(steps.map((step) => step.source)).toEqual(['task', 'user', 'agent', 'task']);
    expect(steps[1]?.messages?.map((message) => message.role)).toEqual(['user', 'user']);
  });
});

describe('hud eval task selection and placement', () => {
  it('runs only the first task without --all, with a note on stderr', async () => {
    const store = scratchDir('store');
    const slugs = await slugsOf(LETTER_COUNT);
    const run = await runHud(['eval', LETTER_COUNT, 'oracle', '--store', store]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `note: running only the first of 3 tasks (${slugs[0]}); pass --all for every task`,
    );
    const runs = readRunLines(store, jobIdOf(run.stdout));
    expect(runs.map((record) => record.slug)).toEqual([slugs[0]]);
    expect(tableRows(run.stdout).map((row) => row[0])).toEqual([slugs[0]]);
  });

  it('--task-ids picks by slug, template id and index, and rejects an unknown ref', async () => {
    const dir = stageFixture('faults');
    const source = path.join(dir, 'pick.ts');
    const slugs = await slugsOf(source); // ok 1, ok 2, ok 3, ok 4, echo 5
    expect(slugs).toHaveLength(5);
    const store = scratchDir('store');
    const run = await evalInto(store, source, 'oracle', '--task-ids', `${slugs[0]},echo,2`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('running only the first');
    const runs = readRunLines(store, jobIdOf(run.stdout));
    expect(runs.map((record) => record.slug).sort()).toEqual([slugs[0], slugs[2], slugs[4]].sort());
    expect(runOf(runs, slugs[4] as string).task.id).toBe('echo');
    for (const record of runs) expect(record.reward).toBe(1);

    const unknown = await evalInto(store, source, 'oracle', '--task-ids', '1,nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no task matches 'nope' in taskset 'pick'/);
    expect(jobIds(store)).toHaveLength(1); // the refused selection opened no job
  });

  it('--group 2 runs every task twice, the two runs of a task sharing a group id', async () => {
    const store = scratchDir('store');
    const slugs = await slugsOf(LETTER_COUNT);
    const run = await evalInto(store, LETTER_COUNT, 'oracle', '--all', '--group', '2');
    expect(run.code, run.stderr).toBe(0);
    const rows = tableRows(run.stdout);
    expect(rows.map((row) => row.slice(0, 3))).toEqual(slugs.map((slug) => [slug, '2', '1.000']));
    expect(run.stdout).toMatch(/reward 1\.000 over 6 graded runs/);
    const jobId = jobIdOf(run.stdout);
    expect(readJobMeta(store, jobId)).toMatchObject({ group: 2, totals: { runs: 6, verdicts: 6 } });
    const runs = readRunLines(store, jobId);
    expect(runs).toHaveLength(6);
    const groupIds = new Set<string>();
    for (const slug of slugs) {
      const mine = runs.filter((record) => record.slug === slug);
      expect(mine.map((record) => record.group_index).sort()).toEqual([0, 1]);
      expect(new Set(mine.map((record) => record.group_id)).size).toBe(1);
      groupIds.add((mine[0] as RunRecord).group_id);
    }
    expect(groupIds.size).toBe(3);
    expect(new Set(runs.map((record) => record.trace_id)).size).toBe(6);
  });

  it('--runtime inprocess serves the environment inside the CLI process', async () => {
    const store = scratchDir('store');
    const run = await evalInto(store, LETTER_COUNT, 'oracle', '--all', '--runtime', 'inprocess');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^hud eval: 3 tasks × 1 with oracle on inprocess$/m);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    expect(readRunLines(store, jobIdOf(run.stdout)).every((record) => record.reward === 1)).toBe(
      true,
    );
  });

  it('--runtime tcp:// runs against a hud serve child, and fails clearly once it is gone', async () => {
    const served = await serveEnv(path.join(path.dirname(LETTER_COUNT), 'env.ts'));
    const url = `tcp://127.0.0.1:${served.port}`;
    const store = scratchDir('store');
    try {
      const run = await evalInto(store, LETTER_COUNT, 'oracle', '--all', '--runtime', url);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`with oracle on ${url}`);
      expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    } finally {
      expect(await served.stop()).toBe(0);
    }
    // The same command with the server stopped: a run without a verdict, named phase, exit 1.
    const gone = await runHud(
      ['eval', LETTER_COUNT, 'oracle', '--runtime', url, '--ready-timeout', '1', '--store', store],
      { timeoutMs: 20_000 },
    );
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/✗ count-[0-9a-f]+: \[starting task\] .*not ready/);
  });
});
