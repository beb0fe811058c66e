import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  jobIdOf,
  LETTER_COUNT,
  readRunLines,
  removeScratch,
  scratchDir,
  WORD_STATS,
} from './support/eval-harness.js';
import { judgeEnv, startStrawberryJudge } from './support/qa-judge.js';
import { runHud } from './support/run-hud.js';

// `hud qa` through the real CLI child process: the "Done when" for QA, with a scripted fake judge.

const QA_BROKEN = fileURLToPath(new URL('./__fixtures__/qa-broken/', import.meta.url));

afterAll(removeScratch);

/** The body rows of a cli-table3 table in `text` (cells trimmed), header included. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe('hud qa run / results over the local job store', () => {
  it('false-positive over a letter-count job records verdicts that hud qa results shows', async () => {
    const home = scratchDir('qa-home');
    const store = path.join(home, 'store');
    const evalRun = await runHud(['eval', LETTER_COUNT, 'oracle', '--all', '--store', store]);
    expect(evalRun.code, evalRun.stderr).toBe(0);
    const jobId = jobIdOf(evalRun.stdout);
    const strawberry = readRunLines(store, jobId).find((run) =>
      JSON.stringify(run.prompt).includes('strawberry'),
    );
    expect(strawberry).toBeDefined();

    // The scripted judge flags the strawberry run and passes the others, citing the agent's answer step.
    await using judge = await startStrawberryJudge();
    const env = judgeEnv(home, judge.url);
    const run = await runHud(['qa', 'run', 'false-positive', jobId, '--store', store], { env });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1); // one verdict is flagged
    expect(judge.requestsFor('anthropic-messages')).toHaveLength(3);
    const rows = tableRows(run.stdout);
    expect(rows[0]).toEqual([
      'trace',
      'workflow',
      'verdict',
      'category',
      'confidence',
      'steps',
      'explanation',
    ]);
    expect(
      rows
        .slice(1)
        .map((row) => row[2])
        .sort(),
    ).toEqual(['flagged', 'passed', 'passed']);
    expect(run.stdout).toContain('2 passed, 1 flagged, 0 errors, 0 pending');

    const listed = await runHud(['qa', 'results', 'job', jobId, '--store', store, '--json'], {
      env,
    });
    expect(listed.code, listed.stderr).toBe(0);
    const { results } = JSON.parse(listed.stdout) as { results: Record<string, unknown>[] };
    expect(results).toHaveLength(3);
    const flagged = results.filter((result) => result.verdict === 'flagged');
    expect(flagged).toEqual([
      expect.objectContaining({
        qa_agent_id: 'false-positive',
        subject_type: 'trace',
        subject_id: strawberry?.trace_id,
        job_id: jobId,
        status: 'completed',
        category: 'lucky-guess',
        confidence: 0.9,
        evidence: [{ step: 3, note: 'the bare answer' }],
        model: 'claude-sonnet-4-6',
      }),
    ]);
    const byTrace = await runHud(
      ['qa', 'results', 'trace', strawberry?.trace_id ?? '', '--store', store],
      { env },
    );
    expect(byTrace.stdout).toContain('lucky-guess');

    // Without --overwrite the recorded verdicts stand (no judge call); with it the traces are judged again.
    const again = await runHud(['qa', 'run', 'false-positive', jobId, '--store', store], { env });
    expect(again.code).toBe(1);
    expect(judge.requestsFor('anthropic-messages')).toHaveLength(3);
    const overwritten = await runHud(
      ['qa', 'run', 'false-positive', jobId, '--store', store, '--overwrite'],
      { env },
    );
    expect(overwritten.code).toBe(1);
    expect(judge.requestsFor('anthropic-messages')).toHaveLength(6);
  });
});

describe('hud qa check', () => {
  it('prints the oracle/nop table for word-stats and exits 0', async () => {
    const run = await runHud(['qa', 'check', WORD_STATS], { timeoutMs: 60_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const rows = tableRows(run.stdout);
    expect(rows[0]).toEqual(['task', 'oracle', 'nop', 'problems']);
    expect(rows.slice(1)).toHaveLength(4);
    for (const row of rows.slice(1)) expect(row.slice(1)).toEqual(['1.000', '0.000', 'ok']);
    expect(run.stdout).toContain('0 of 4 tasks flagged');
  });

  it('flags the broken graders of a fixture: oracle < 1.0, nop > 0.0, a flaky oracle', async () => {
    const copy = scratchDir('qa-broken');
    cpSync(QA_BROKEN, copy, { recursive: true });
    const run = await runHud(['qa', 'check', path.join(copy, 'tasks.ts'), '--group', '2'], {
      timeoutMs: 60_000,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    const problems = Object.fromEntries(
      tableRows(run.stdout)
        .slice(1)
        .map((row) => [row[0]?.replace(/-[0-9a-f]{8}$/, ''), row[3]]),
    );
    expect(problems).toEqual({
      sound: 'ok',
      'wrong-key': 'oracle < 1.0',
      lenient: 'nop > 0.0',
      flaky: 'oracle < 1.0; flaky oracle (rewards vary within the group)',
    });
    expect(run.stdout).toContain('3 of 4 tasks flagged');
  });
});
