import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NopAgent, OracleAgent } from '@hud/agents';
import { type Job, type RunRecord, Taskset } from '@hud/eval';
import { HarborRuntime, loadHarborSource } from '@hud/harbor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDocker, managedContainers } from './support/docker.js';
import { ensureUbuntuStandIns } from './support/harbor-tasks.js';

// Harbor's multi-step semantics and the oracle's contract on the real engine, with task directories of
// our own (src/__fixtures__/harbor-steps/, one rule each; see the "Multi-step tasks" section of
// packages/harbor/README.md).

const TASKS = fileURLToPath(new URL('./__fixtures__/harbor-steps/', import.meta.url));

// Secrets in this process's environment, as the CLI has them (it passes process.env as hostEnv): only the
// task's declared `${VAR}` may bring a host value into a container.
const PLANTED = 'planted-secret-value-0f3c';
const planted = {
  ANTHROPIC_API_KEY: `sk-ant-${PLANTED}`,
  OPENAI_API_KEY: `sk-${PLANTED}`,
  HARBOR_FIXTURE_DECLARED: 'declared-by-the-task',
};
const saved = Object.fromEntries(Object.keys(planted).map((key) => [key, process.env[key]]));
Object.assign(process.env, planted);

const job = `test-harbor-steps-${randomUUID()}`;
const runtime = HarborRuntime({ job: () => job, hostEnv: process.env });

async function run(agent: 'oracle' | 'nop', slugs: string[]): Promise<Record<string, RunRecord>> {
  const loaded = await loadHarborSource(TASKS);
  expect(loaded.findings).toEqual([]);
  const rows = loaded.rows.filter((row) => slugs.includes(row.slug));
  expect(rows.map((row) => row.slug).sort()).toEqual([...slugs].sort());
  const result: Job = await new Taskset('harbor-steps', rows).run({
    agent: agent === 'oracle' ? new OracleAgent() : new NopAgent(),
    provider: runtime,
    maxConcurrent: 3,
  });
  return Object.fromEntries(result.runs.map((record) => [record.slug, record]));
}

/** Each step's metrics as its verifier wrote them (`grade.info.steps[].rewards`). */
function stepRewards(record: RunRecord | undefined): unknown {
  const steps = (record?.grade?.info?.steps ?? []) as Array<{ name: string; rewards: unknown }>;
  return Object.fromEntries(steps.map((step) => [step.name, step.rewards]));
}

beforeAll(() => ensureUbuntuStandIns(), 180_000);
afterAll(async () => {
  await runtime.close();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  expect(await managedContainers({ 'hud.job': job })).toEqual([]);
}, 180_000);

describe.skipIf(!hasDocker)('Harbor multi-step semantics on Docker', () => {
  let oracle: Record<string, RunRecord>;
  let nop: Record<string, RunRecord>;
  beforeAll(async () => {
    [oracle, nop] = await Promise.all([
      run('oracle', [
        'step-inherits-verifier',
        'one-step-separate',
        'tests-merge',
        'no-solution',
        'host-secrets',
      ]),
      run('nop', ['workdir-setup', 'workdir-setup-fails', 'no-solution']),
    ]);
  }, 600_000);

  it("steps without verifier keys get the task's: separate mode, [verifier.environment], env and user", () => {
    const record = oracle['step-inherits-verifier'];
    expect(record?.error ?? null).toBeNull();
    const all = { separate: 1, environment: 1, env: 1, user: 1, answer: 1 };
    expect(stepRewards(record)).toEqual({ write: all, rewrite: all });
    expect(record?.reward).toBe(1);
  });

  it('a separate verifier on one step gets its container while the task-level verifier is shared', () => {
    const record = oracle['one-step-separate'];
    expect(record?.error ?? null).toBeNull();
    expect(stepRewards(record)).toEqual({ local: { reward: 1 }, isolated: { reward: 1 } });
    expect(record?.reward).toBe(1);
  });

  it("a step's tests/ is merged over the task's tests/ (the step's file wins), fresh for each step", () => {
    const record = oracle['tests-merge'];
    expect(record?.error ?? null).toBeNull();
    expect(stepRewards(record)).toEqual({
      'own-tests': { reward: 1 },
      'task-tests': { reward: 1 },
    });
  });

  it("runs each step's workdir/setup.sh in the working directory before the agent, and removes it", () => {
    const record = nop['workdir-setup'];
    expect(record?.error ?? null).toBeNull();
    expect(stepRewards(record)).toEqual({
      prepare: { seeded: 1, setup_ran: 1, setup_removed: 1 },
      extend: { setup_ran: 1, setup_removed: 1 },
    });
  });

  it('a failing workdir/setup.sh is an errored run with its exit status and output, before the agent', () => {
    const record = nop['workdir-setup-fails'];
    expect(record?.isError).toBe(true);
    expect(record?.error).toMatch(
      /^\[starting task\] .*steps\/only\/workdir\/setup\.sh exited 3: cannot prepare the step/,
    );
  });

  it('the oracle on a task without solution/ is an errored run naming the missing reference solution, not a verdict', () => {
    const record = oracle['no-solution'];
    expect(record?.isError).toBe(true);
    expect(record?.reward).toBeNull();
    expect(record?.error).toMatch(/\[agent loop\].*has no reference solution.*solution\//);
    expect(record?.grade?.content).toMatch(/has no reference solution/);
    // Doing nothing is what this task asks: nop gets a verdict, so the verifier is not at fault.
    expect(nop['no-solution']?.isError).toBe(false);
    expect(nop['no-solution']?.reward).toBe(1);
  });

  it("no host variable reaches the container's processes except through the task's declared VAR templating", () => {
    const record = oracle['host-secrets'];
    expect(record?.error ?? null).toBeNull();
    const printed = String(record?.grade?.info?.verifier_stdout ?? '');
    // The dumps are there (solve.sh ran through docker exec; test.sh; the container's first process)…
    expect(printed).toMatch(/--- solve\.sh env\n[\s\S]*SOLUTION_VAR=declared in \[solution\.env\]/);
    expect(printed).toMatch(/--- test\.sh env\n[\s\S]*VERIFIER_VAR=declared in \[verifier\.env\]/);
    expect(printed.match(/DECLARED_FROM_HOST=declared-by-the-task/g)).toHaveLength(3);
    // …and none holds a planted secret or the names of the host's keys.
    expect(printed).not.toContain(PLANTED);
    expect(printed).not.toMatch(/ANTHROPIC_API_KEY|OPENAI_API_KEY|HARBOR_FIXTURE_DECLARED/);
  });
});
