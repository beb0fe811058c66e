import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { importModule } from '@hud/environment';
import { loadTaskset, type RunRecord } from '@hud/eval';
import { afterAll, describe, expect, it } from 'vitest';
import {
  jobIdOf,
  jobIds,
  leftoverProcesses,
  readJobMeta,
  readRunLines,
  readTraceSteps,
  removeScratch,
  runOf,
  scratchDir,
  stageFixture,
} from './support/eval-harness.js';
import { type HudRun, runHud } from './support/run-hud.js';

// Faults through the real CLI: each becomes a clear message or an errored run naming its phase, the job
// completes, the exit code is non-zero only when a run has no verdict, and no process of the run remains.

afterAll(removeScratch);

interface FaultRun {
  run: HudRun;
  store: string;
  dir: string;
  runs: RunRecord[];
  slugs: string[];
}

/**
 * Runs `hud eval <staged fixture>/<file> oracle --all` (plus `extra`) into a fresh store, checks that no
 * process mentioning the staged copy outlives the CLI, and returns the run and its records.
 */
async function evalFault(
  fixture: string,
  file: string,
  extra: string[] = [],
  prepare?: (dir: string) => void,
): Promise<FaultRun> {
  const dir = stageFixture(fixture);
  prepare?.(dir);
  const source = path.join(dir, file);
  const store = scratchDir('store');
  const run = await runHud(['eval', source, 'oracle', '--all', '--store', store, ...extra], {
    timeoutMs: 45_000,
  });
  expect(await leftoverProcesses(dir), 'processes left behind').toEqual([]);
  const [jobId] = jobIds(store);
  const runs = jobId ? readRunLines(store, jobId) : [];
  // Slugs in task order, for the sources that load (the task-source faults do not).
  const slugs = jobId ? (await loadTaskset(source, { importModule })).slugs : [];
  return { run, store, dir, runs, slugs };
}

/** The job completed (job.json written at the end) with these counts. */
function expectCompletedJob(
  { run, store }: FaultRun,
  totals: { runs: number; verdicts: number; errors: number },
) {
  const jobId = jobIdOf(run.stdout);
  expect(readJobMeta(store, jobId)).toMatchObject({ status: 'completed', totals });
}

/**
 * `hud eval <faults/file> oracle --all --max-concurrent 1`, which must exit 1: the job, its first run (the
 * faulty one) and the slugs of the others.
 */
async function faultInFirstRun(file: string) {
  const fault = await evalFault('faults', file, ['--max-concurrent', '1']);
  expect(fault.run.code, fault.run.stderr).toBe(1);
  const [first, ...others] = fault.slugs;
  return { fault, first: runOf(fault.runs, first as string), others };
}

/** The runs of `fine` graded 1, and the job completed with 2 verdicts and 1 error over its 3 runs. */
function expectOthersGraded(fault: FaultRun, fine: readonly string[]) {
  for (const slug of fine) expect(runOf(fault.runs, slug).reward).toBe(1);
  expectCompletedJob(fault, { runs: 3, verdicts: 2, errors: 1 });
}

/** The run's error names its phase, and its trace ends with a system step saying the same. */
function expectPhaseError(fault: FaultRun, record: RunRecord, phase: string, detail: RegExp) {
  expect(record.error).toMatch(new RegExp(`^\\[${phase}\\] `));
  expect(record.error).toMatch(detail);
  expect(record).toMatchObject({ reward: null, isError: true, status: 'error' });
  const steps = readTraceSteps(fault.store, record.job_id, record.trace_id);
  expect(steps.some((step) => step.source === 'system' && step.error === record.error)).toBe(true);
  // The summary lists it with its phase.
  expect(fault.run.stdout).toContain(`✗ ${record.slug}: [${phase}] `);
}

describe('hud eval faults inside a rollout', () => {
  it('a template that throws before its first yield fails while starting task', async () => {
    const { fault, first, others } = await faultInFirstRun('early.ts');
    expectPhaseError(fault, first, 'starting task', /setup exploded for 1/);
    expectOthersGraded(fault, others);
  });

  it('a template that throws after its first yield fails while grading', async () => {
    const { fault, first, others } = await faultInFirstRun('late.ts');
    expectPhaseError(fault, first, 'grading', /grader exploded on '1'/);
    expect(first.answer).toBe('1'); // the agent loop ran; only grading failed
    expectOthersGraded(fault, others);
  });

  it('an environment process that exits mid-rollout errors that run; later runs complete; its helper is killed too', async () => {
    const { fault, first: record, others: later } = await faultInFirstRun('crash.ts');
    // The connection's EOF, and the runtime's account of why: the process exited with code 3.
    expectPhaseError(
      fault,
      record,
      'grading',
      /^\[grading\] env closed connection during 'tasks\.grade': environment process \d+ for .*env\.ts exited with code 3 while in use/,
    );
    // --max-concurrent 1: the ok runs started after the crash, in fresh processes.
    for (const slug of later) {
      const after = runOf(fault.runs, slug);
      expect(after.reward).toBe(1);
      expect(after.started_at >= record.ended_at).toBe(true);
    }
    expectCompletedJob(fault, { runs: 3, verdicts: 2, errors: 1 });
  });

  it('a rollout past --timeout errors with stop reason timeout; the other run completes', async () => {
    // 8 s, not 1: the limit covers provisioning too, and a child's start-up under CI's load (two suites on
    // two cores) took over a second, which ended the run in [provisioning] instead.
    const fault = await evalFault('faults', 'slow.ts', ['--timeout', '8']);
    expect(fault.run.code, fault.run.stderr).toBe(1);
    const [slow, fine] = fault.slugs;
    const record = runOf(fault.runs, slow as string);
    expectPhaseError(fault, record, 'starting task', /rollout exceeded its time limit of 8000 ms/);
    expect(record.stop_reason).toBe('timeout');
    expect(runOf(fault.runs, fine as string).reward).toBe(1);
    expectCompletedJob(fault, { runs: 2, verdicts: 1, errors: 1 });
  });

  it('an isError grade is a run without a verdict: exit 1, although nothing crashed', async () => {
    const fault = await evalFault('faults', 'unsure.ts');
    expect(fault.run.code, fault.run.stderr).toBe(1);
    const [unsure, fine] = fault.slugs;
    const record = runOf(fault.runs, unsure as string);
    expect(record).toMatchObject({
      reward: null,
      isError: true,
      grade: { isError: true, content: 'the checker is unavailable' },
    });
    expect(runOf(fault.runs, fine as string).reward).toBe(1);
    expect(fault.run.stdout).toMatch(/reward 1\.000 over 1 graded run, 1 without a verdict/);
  });
});

describe('hud eval faults in the environment process', () => {
  it('an env file with a syntax error: every run fails while provisioning, naming the file', async () => {
    const fault = await evalFault('broken-env', 'tasks.jsonl', [], (dir) =>
      writeFileSync(
        path.join(dir, 'env.ts'),
        "import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: 'broken' };\n",
      ),
    );
    expect(fault.run.code, fault.run.stderr).toBe(1);
    const envFile = path.join(fault.dir, 'env.ts');
    expect(fault.runs).toHaveLength(2);
    for (const record of fault.runs) {
      expectPhaseError(fault, record, 'provisioning', /exited with code 1 before printing/);
      expect(record.error).toContain(`failed to load ${envFile}`);
      expect(record.error).toContain(`${envFile}:2:`); // the line of the syntax error
    }
    expectCompletedJob(fault, { runs: 2, verdicts: 0, errors: 2 });
  });

  it('an env that never prints its port fails while provisioning after --ready-timeout', async () => {
    const fault = await evalFault('never-ready', 'tasks.jsonl', ['--ready-timeout', '1']);
    expect(fault.run.code, fault.run.stderr).toBe(1);
    const [record] = fault.runs;
    expectPhaseError(
      fault,
      record as RunRecord,
      'provisioning',
      /did not print HUD_SERVE_PORT=<port> within 1000 ms and was killed/,
    );
    expectCompletedJob(fault, { runs: 1, verdicts: 0, errors: 1 });
  });
});

describe('hud eval faults in the task source', () => {
  it('a module with no tasks: a clear error naming the file, exit 1, no job', async () => {
    const fault = await evalFault('no-tasks', 'tasks.ts');
    expect(fault.run.code).toBe(1);
    expect(fault.run.stderr.trim()).toBe(`hud: no tasks in ${path.join(fault.dir, 'tasks.ts')}`);
    expect(fault.run.stdout).toBe('');
    expect(jobIds(fault.store)).toEqual([]);
  });

  it('a JSONL row with a missing field: an error naming the file and line, exit 1, no job', async () => {
    const fault = await evalFault('bad-row', 'tasks.jsonl');
    expect(fault.run.code).toBe(1);
    const file = path.join(fault.dir, 'tasks.jsonl');
    expect(fault.run.stderr).toMatch(
      new RegExp(`^hud: ${file.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 2: .*\\bid\\b`),
    );
    expect(fault.run.stdout).toBe('');
    expect(jobIds(fault.store)).toEqual([]);
  });
});
