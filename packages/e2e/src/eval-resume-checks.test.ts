import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hasVerdict } from '@hud/eval';
import { afterAll, expect, it } from 'vitest';
import {
  interruptedSleepyJob,
  jobIdOf,
  LETTER_COUNT,
  readJobMeta,
  readRunLines,
  removeScratch,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// `hud eval --resume` checks what it resumes: a command naming another agent, model, group size, step
// budget, source or task selection than the job recorded is refused, before anything runs; a bare
// `hud eval --resume <id>` resumes with what the job recorded.

afterAll(removeScratch);

it('refuses a resume that differs from the job, and resumes with the recorded settings when given none', async () => {
  // An oracle job stopped with Ctrl-C after its first run: 3 of its 4 slots have no verdict yet.
  const { source, store, hud, exit } = await interruptedSleepyJob('oracle', 'SIGINT');
  expect(exit).toEqual({ code: 130, signal: null });
  const jobId = jobIdOf(hud.stdout());
  const jobFile = path.join(store, jobId, 'job.json');
  const runsFile = path.join(store, jobId, 'runs.jsonl');
  const jobBefore = readFileSync(jobFile, 'utf8');
  const runsBefore = readFileSync(runsFile, 'utf8');
  expect(readJobMeta(store, jobId)).toMatchObject({
    status: 'cancelled',
    source,
    agent: { name: 'oracle', model: null },
    group: 1,
    max_steps: 10,
    settings: { runtime: 'local' },
  });
  const verdictsBefore = readRunLines(store, jobId).filter(hasVerdict).length;
  expect(verdictsBefore).toBeLessThan(4);

  const refusals: [string[], string][] = [
    [
      [source, 'nop'],
      `job ${jobId} was run with agent 'oracle'; this command says 'nop' — drop the agent to resume it as recorded, or start a new job`,
    ],
    [
      ['nop'], // with --resume, a lone agent name is the agent (the source comes from the job)
      `job ${jobId} was run with agent 'oracle'; this command says 'nop' — drop the agent to resume it as recorded, or start a new job`,
    ],
    [
      [source, '-m', 'claude-haiku-4-5'],
      `job ${jobId} was run with model none; this command says 'claude-haiku-4-5' — drop --model to resume it as recorded, or start a new job`,
    ],
    [
      [source, '--group', '2'],
      `job ${jobId} was run with group size 1; this command says 2 — drop --group to resume it as recorded, or start a new job`,
    ],
    [
      ['--max-steps', '50'],
      `job ${jobId} was run with max steps 10; this command says 50 — drop --max-steps (or --full) to resume it as recorded, or start a new job`,
    ],
    [
      [LETTER_COUNT],
      `job ${jobId} was run with source ${source}; this command says ${LETTER_COUNT} — drop the source to resume it as recorded, or start a new job`,
    ],
    [
      [source, '--task-ids', '0'],
      `job ${jobId} runs the 4 tasks it recorded; this command selects tasks (--all, --full or --task-ids) — drop them to resume it as recorded, or start a new job`,
    ],
  ];
  for (const [args, message] of refusals) {
    const refused = await runHud(['eval', ...args, '--resume', jobId, '--store', store]);
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stderr).toContain(`hud: ${message}`);
  }
  // Nothing was mixed into the job.
  expect(readFileSync(runsFile, 'utf8')).toBe(runsBefore);
  expect(readFileSync(jobFile, 'utf8')).toBe(jobBefore);

  // The job id alone: its source, agent and settings come from job.json.
  const resumed = await runHud(['eval', '--resume', jobId, '--store', store], {
    timeoutMs: 60_000,
  });
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('hud eval: 4 tasks × 1 with oracle on local');
  expect(resumed.stdout).toMatch(new RegExp(`job ${jobId} — reward 1\\.000 over 4 graded runs`));
  expect(readJobMeta(store, jobId)).toMatchObject({
    status: 'completed',
    agent: { name: 'oracle', model: null },
    totals: { runs: 4, verdicts: 4, reward: 1 },
  });
}, 120_000);
