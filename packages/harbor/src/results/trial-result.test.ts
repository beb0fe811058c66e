import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@hud/eval';
import type { TraceStep } from '@hud/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  runRecord as baseRecord,
  PROMPT,
  TRACE_ID,
  TWO_CALL_USAGE,
} from './__fixtures__/run-record.js';
import { validateAtif } from './atif.js';
import { harborTrialName, toTrialResult, writeHarborTrial } from './trial-result.js';

const TASK_TOML = '[task]\nname = "acme/hello-world"\n\n[verifier]\ntimeout_sec = 120.0\n';

const harborTiming = {
  environment_setup: {
    started_at: '2026-06-25T21:29:31.057898Z',
    finished_at: '2026-06-25T21:29:33.856427Z',
  },
  agent_execution: {
    started_at: '2026-06-25T21:29:33.856700Z',
    finished_at: '2026-06-25T21:29:34.279460Z',
  },
  verifier: {
    started_at: '2026-06-25T21:29:34.538810Z',
    finished_at: '2026-06-25T21:29:41.702104Z',
  },
};

/** The shared oracle run, with the grade the Harbor environment writes (verifier output, phase times). */
function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return baseRecord({
    grade: {
      score: 1,
      info: {
        rewards: { reward: 1 },
        verifier_stdout: '1 passed in 0.02s\n',
        timing: harborTiming,
      },
    },
    started_at: '2026-06-25T21:29:30.000Z',
    ended_at: '2026-06-25T21:29:42.000Z',
    ...overrides,
  });
}

const errored = (error: string, overrides: Partial<RunRecord> = {}): RunRecord =>
  runRecord({ grade: null, reward: null, isError: true, status: 'error', error, ...overrides });

const steps: TraceStep[] = [
  {
    step_id: 1,
    source: 'user',
    messages: [{ role: 'user', content: { type: 'text', text: PROMPT } }],
    ended_at: '2026-06-25T21:29:33.900000Z',
  },
  {
    step_id: 2,
    source: 'agent',
    content: 'solve.sh exited 0',
    ended_at: '2026-06-25T21:29:34.200000Z',
  },
];

let taskDir: string;
let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'hud-harbor-trial-'));
  taskDir = join(work, 'hello-world');
  await mkdir(taskDir);
  await writeFile(join(taskDir, 'task.toml'), TASK_TOML);
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

function trial(record: RunRecord, modelName: string | null = null) {
  return toTrialResult({
    record,
    taskName: 'acme/hello-world',
    taskDir,
    trialName: harborTrialName(record.slug, record.trace_id),
    trialUri: 'file:///jobs/j/hello-world__3f2a9c1',
    agentName: 'claude',
    modelName,
  });
}

describe('harborTrialName', () => {
  it('is the slug and the first 7 characters of the trace id without dashes', () => {
    expect(harborTrialName('hello-world', TRACE_ID)).toBe('hello-world__3f2a9c1');
    expect(harborTrialName('hello', 'ab-cd-ef12-3456')).toBe('hello__abcdef1');
    // A task of a nested dataset: the directory's name, as Harbor names trials.
    expect(harborTrialName('terminal-bench/hello', 'ab-cd-ef12-3456')).toBe('hello__abcdef1');
  });
});

describe('toTrialResult', () => {
  it('describes an oracle run: identity, checksum, rewards and the environment’s phase times', () => {
    const result = trial(runRecord());

    expect(result).toMatchObject({
      id: '3f2a9c1e-7b4d-4e0f-9a8b-7c6d5e4f3a2b',
      task_name: 'acme/hello-world',
      trial_name: 'hello-world__3f2a9c1',
      task_id: { path: taskDir },
      task_checksum: createHash('sha256').update(TASK_TOML).digest('hex'),
      agent_info: { name: 'claude', version: 'unknown', model_info: null },
      verifier_result: { rewards: { reward: 1 } },
      exception_info: null,
      started_at: '2026-06-25T21:29:30.000Z',
      finished_at: '2026-06-25T21:29:42.000Z',
      environment_setup: harborTiming.environment_setup,
      agent_setup: null,
      agent_execution: harborTiming.agent_execution,
      verifier: harborTiming.verifier,
      step_results: null,
    });
  });

  it('sums tokens and cost, splits provider/model and keeps every reward the verifier wrote', () => {
    const result = trial(
      runRecord({
        grade: { score: 0.5, info: { rewards: { correctness: 1, performance: 0 } } },
        reward: 0.5,
        usage: TWO_CALL_USAGE,
      }),
      'anthropic/claude-sonnet-4-5',
    );

    expect(result.agent_info.model_info).toEqual({
      name: 'claude-sonnet-4-5',
      provider: 'anthropic',
    });
    expect(result.agent_result).toMatchObject({
      n_input_tokens: 2700,
      n_cache_tokens: 2200,
      n_output_tokens: 100,
      cost_usd: 0.003,
      rollout_details: null,
    });
    expect(result.verifier_result).toEqual({ rewards: { correctness: 1, performance: 0 } });
  });

  it('falls back to {reward} for a verdict without reported rewards, and to hud’s phase durations', () => {
    const result = trial(runRecord({ grade: { score: 0 }, reward: 0 }));

    expect(result.verifier_result).toEqual({ rewards: { reward: 0 } });
    // started 21:29:30.000; provisioning+starting 2.5 s, agent 3 s, grading 1.5 s
    expect(result.environment_setup).toEqual({
      started_at: '2026-06-25T21:29:30.000Z',
      finished_at: '2026-06-25T21:29:32.500Z',
    });
    expect(result.agent_execution).toEqual({
      started_at: '2026-06-25T21:29:32.500Z',
      finished_at: '2026-06-25T21:29:35.500Z',
    });
    expect(result.verifier).toEqual({
      started_at: '2026-06-25T21:29:35.500Z',
      finished_at: '2026-06-25T21:29:37.000Z',
    });
  });

  it('reports a run with no reward file as RewardFileNotFoundError without a verifier result', () => {
    const error = '[grading] no reward file: the verifier wrote neither reward.json nor reward.txt';
    const result = trial(
      errored(error, { grade: { score: 0, isError: true, content: 'no reward file' } }),
    );

    expect(result.verifier_result).toBeNull();
    expect(result.exception_info).toEqual({
      exception_type: 'RewardFileNotFoundError',
      exception_message: error,
      exception_traceback: '',
      occurred_at: '2026-06-25T21:29:42.000Z',
    });
  });

  it.each([
    ['[provisioning] docker build failed: exit 1', 'EnvironmentStartError'],
    ['[agent loop] 3 tool calls failed in a row (last: bash: boom)', 'AgentError'],
    ['[agent loop] agent exceeded its time limit of 600000 ms', 'AgentTimeoutError'],
    ['[starting task] rollout exceeded its time limit of 900000 ms', 'AgentTimeoutError'],
    ['[grading] verifier timed out after 120 s', 'VerifierTimeoutError'],
    ['[verifying] reward.txt is empty', 'RewardFileEmptyError'],
    ['[grading] reward.txt is not a number', 'RuntimeError'],
    ['[cleanup] teardown did not finish within 30000 ms', 'RuntimeError'],
  ])('maps %s to %s', (error, type) => {
    expect(trial(errored(error)).exception_info?.exception_type).toBe(type);
  });

  it('maps a cancelled run to CancelledError (what `harbor job resume` re-runs)', () => {
    const result = trial(errored('[agent loop] cancelled', { status: 'cancelled' }));
    expect(result.exception_info?.exception_type).toBe('CancelledError');
  });

  it('matches an isError grade’s content when the record carries no error text', () => {
    const result = trial(
      runRecord({
        grade: { score: 0, isError: true, content: 'verifier timed out after 600 s' },
        reward: null,
        isError: true,
      }),
    );
    expect(result.exception_info?.exception_type).toBe('VerifierTimeoutError');
  });

  it('lists the step rewards of a multi-step run', () => {
    const result = trial(
      runRecord({
        grade: {
          score: 0.5,
          info: {
            rewards: { reward: 0.5 },
            steps: [
              { name: 'scaffold', reward: 1 },
              { name: 'implement', reward: 0 },
              { name: 'skipped' },
            ],
          },
        },
        reward: 0.5,
      }),
    );

    expect(result.step_results).toEqual([
      { step_name: 'scaffold', verifier_result: { rewards: { reward: 1 } } },
      { step_name: 'implement', verifier_result: { rewards: { reward: 0 } } },
      { step_name: 'skipped', verifier_result: null },
    ]);
  });

  it('has a null checksum when the task directory cannot be read', () => {
    const result = toTrialResult({
      record: runRecord(),
      taskName: 'acme/hello-world',
      taskDir: join(work, 'missing'),
      trialName: 't',
      trialUri: 'file:///t',
      agentName: 'oracle',
    });
    expect(result.task_checksum).toBeNull();
  });
});

describe('writeHarborTrial', () => {
  it('writes result.json, the ATIF trajectory and the verifier files, pretty-printed', async () => {
    const record = runRecord();
    const dir = join(work, 'jobs', 'job-7', harborTrialName(record.slug, record.trace_id));
    const { resultPath, trajectoryPath } = await writeHarborTrial({
      dir,
      record,
      steps,
      taskName: 'acme/hello-world',
      taskDir,
      agentName: 'oracle',
    });

    expect(resultPath).toBe(join(dir, 'result.json'));
    expect(trajectoryPath).toBe(join(dir, 'agent', 'trajectory.json'));
    const resultText = await readFile(resultPath, 'utf8');
    expect(resultText).toMatch(/^\{\n {2}"id": /);
    const result = JSON.parse(resultText);
    expect(result.trial_name).toBe('hello-world__3f2a9c1');
    expect(result.trial_uri).toBe(`file://${dir}`);
    expect(result.verifier_result).toEqual({ rewards: { reward: 1 } });

    const trajectory = JSON.parse(await readFile(trajectoryPath, 'utf8'));
    expect(validateAtif(trajectory)).toEqual({ ok: true });
    expect(trajectory.steps).toHaveLength(2);

    expect(JSON.parse(await readFile(join(dir, 'verifier', 'reward.json'), 'utf8'))).toEqual({
      reward: 1,
    });
    expect(await readFile(join(dir, 'verifier', 'test-stdout.txt'), 'utf8')).toBe(
      '1 passed in 0.02s\n',
    );
    expect(existsSync(join(dir, 'exception.txt'))).toBe(false);
  });

  it('writes no reward.json for a run without rewards, and records the exception', async () => {
    const dir = join(work, 'trial-error');
    await writeHarborTrial({
      dir,
      record: errored('[provisioning] docker build failed: exit 1'),
      steps: [],
      taskName: 'acme/hello-world',
      taskDir,
      agentName: 'oracle',
    });

    expect(existsSync(join(dir, 'verifier', 'reward.json'))).toBe(false);
    expect(
      JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')).exception_info,
    ).toMatchObject({ exception_type: 'EnvironmentStartError' });
    expect(await readFile(join(dir, 'exception.txt'), 'utf8')).toBe(
      'EnvironmentStartError: [provisioning] docker build failed: exit 1\n',
    );
    expect(
      validateAtif(JSON.parse(await readFile(join(dir, 'agent', 'trajectory.json'), 'utf8'))),
    ).toEqual({ ok: true });
  });
});
