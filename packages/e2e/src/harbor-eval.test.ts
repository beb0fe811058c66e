import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { harborTrialName, validateAtif } from '@hud/harbor';
import { type FakeTurn, startFakeProvider } from '@hud/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  lastToolResults,
  type MessagesBody,
  resultText,
  turnOf,
} from './support/anthropic-messages.js';
import {
  containersAfter,
  DOCKER_TEST_TIMEOUT_MS,
  docker,
  hasDocker,
  managedContainers,
  removeContainers,
} from './support/docker.js';
import { type EvalSummary, readRunLines } from './support/eval-harness.js';
import { modelScratch, removeModelScratch, runClaude } from './support/model-agents.js';
import { type HudRun, runHud } from './support/run-hud.js';
import { REPO_ROOT } from './support/served-env.js';

// `hud eval <Harbor task or dataset dir> …` through the real CLI on the real engine: each trial in a fresh
// container of the task's image, graded by the task's own verifier, written out as a Harbor trial directory
// (result.json, ATIF trajectory, verifier output); model agents act in that container through `shell`.

/** Third-party Harbor tasks, read in place (never copied): absent on machines without the shared tree. */
const SHARED_EXAMPLES = fileURLToPath(
  new URL('../../../../shared/harbor-examples/', import.meta.url),
);
const SHARED_TASKS = [
  'environment-env-single',
  'hello-multi-step-simple',
  'hello-user',
  'hello-workdir',
  'separate-verifier-environment',
];
const hasShared = existsSync(SHARED_EXAMPLES);
if (!hasShared) {
  console.warn(`skipping the third-party Harbor task tests: ${SHARED_EXAMPLES} not found`);
}

const OWN_EXAMPLES = path.join(REPO_ROOT, 'examples/harbor');
const OWN_TASKS = ['fix-greeting', 'notes-two-steps', 'word-report'];
const FIX_GREETING = path.join(OWN_EXAMPLES, 'fix-greeting');

/** A fake Claude that runs `command` with its bash tool, then says it is done. */
function bashOnce(command: string) {
  return startFakeProvider({
    handler: (body): FakeTurn =>
      turnOf(body) === 0
        ? { toolCalls: [{ name: 'bash', arguments: { command } }] }
        : { text: 'Done.' },
  });
}

/** Every job these tests ran: none may leave a container behind. */
const jobs: string[] = [];

/**
 * The JSON summary (last stdout line) of a `hud eval … --json` run that exited with `code` (0: every run
 * has a verdict; 1: some are errors); its job is recorded for the leak check whatever the exit code.
 */
function summaryOf(run: HudRun, code = 0): EvalSummary {
  let summary: EvalSummary | undefined;
  try {
    summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as EvalSummary;
    jobs.push(summary.job_id);
  } catch {
    // No summary line: the exit code and the missing summary are reported below.
  }
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(code);
  expect(summary, run.stdout).toBeDefined();
  return summary as EvalSummary;
}

/** `hud eval <source> <agent> --all --json` with a fresh store (cwd = a new temp dir). */
async function evalJob(source: string, agent: string, code = 0): Promise<EvalSummary> {
  const run = await runHud(['eval', '--no-reap', source, agent, '--all', '--json'], {
    cwd: modelScratch('harbor-cwd'),
    timeoutMs: 240_000,
  });
  return summaryOf(run, code);
}

/** The per-task rewards of a summary, by slug. */
function rewardsBySlug(summary: EvalSummary): Record<string, number> {
  return Object.fromEntries(summary.tasks.map((task) => [task.slug, task.reward]));
}

interface Trial {
  dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: Harbor's result.json is read as plain JSON
  result: any;
  // biome-ignore lint/suspicious/noExplicitAny: an ATIF document is read as plain JSON
  trajectory: any;
}

/**
 * The Harbor trial directory of each run of a job, by slug: `<job>/harbor/<task dir>__<first 7 of trace
 * id>`, with its files present (a run whose verifier gave no verdict has no `verifier/reward.json`) and
 * `agent/trajectory.json` valid ATIF.
 */
function trialsOf(summary: EvalSummary): Record<string, Trial> {
  const root = path.join(summary.store, 'harbor');
  const runs = readRunLines(path.dirname(summary.store), summary.job_id);
  expect(readdirSync(root).sort()).toEqual(
    runs.map((run) => harborTrialName(run.slug, run.trace_id)).sort(),
  );
  const trials: Record<string, Trial> = {};
  for (const run of runs) {
    const dir = path.join(root, harborTrialName(run.slug, run.trace_id));
    const failed = summary.failures.some((failure) => failure.slug === run.slug);
    for (const file of [
      'result.json',
      'agent/trajectory.json',
      ...(failed ? [] : ['verifier/reward.json', 'verifier/test-stdout.txt']),
    ]) {
      expect(existsSync(path.join(dir, file)), `${dir}/${file}`).toBe(true);
    }
    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8'));
    const trajectory = JSON.parse(readFileSync(path.join(dir, 'agent/trajectory.json'), 'utf8'));
    expect(result.trial_name).toBe(path.basename(dir));
    const validation = validateAtif(trajectory);
    expect(validation.ok ? [] : validation.problems, `${dir}/agent/trajectory.json`).toEqual([]);
    trials[run.slug] = { dir, result, trajectory };
  }
  return trials;
}

/** `verifier_result.rewards` of each trial's result.json, by slug. */
function verifierRewards(trials: Record<string, Trial>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(trials).map(([slug, trial]) => [slug, trial.result.verifier_result?.rewards]),
  );
}

/** The job label of every running hud container of task `slug`, as `docker ps` lists them now. */
async function runningJobsOf(slug: string): Promise<string[]> {
  const listed = await docker([
    'ps',
    '--filter',
    'label=hud.managed=1',
    '--filter',
    `label=hud.task=${slug}`,
    '--format',
    '{{.Label "hud.job"}}',
  ]);
  return listed.stdout.split('\n').filter(Boolean);
}

afterAll(async () => {
  // Hygiene only (the last test asserts there is nothing to remove).
  for (const job of jobs) await removeContainers(await managedContainers({ 'hud.job': job }));
  removeModelScratch();
});

describe.skipIf(!hasDocker)('hud eval on Harbor tasks (real engine)', () => {
  it.skipIf(!hasShared)(
    'oracle --all on the 5 third-party tasks: 4 verdicts of 1 and one error (environment-env-single has no reference solution), every trial directory Harbor-shaped',
    async () => {
      // An errored run makes hud eval exit 1.
      const summary = await evalJob(SHARED_EXAMPLES, 'oracle', 1);
      expect(summary).toMatchObject({ reward: 1, runs: 5, verdicts: 4, errors: 1 });
      expect(summary.failures).toEqual([
        expect.objectContaining({
          slug: 'environment-env-single',
          error: expect.stringMatching(
            /^\[agent loop\] .*this task has no reference solution: .*environment-env-single\/solution\/solve\.sh is missing/,
          ),
        }),
      ]);
      expect(rewardsBySlug(summary)).toEqual(
        Object.fromEntries(
          SHARED_TASKS.map((slug) => [slug, slug === 'environment-env-single' ? null : 1]),
        ),
      );
      const trials = trialsOf(summary);
      expect(Object.keys(trials).sort()).toEqual(SHARED_TASKS);
      const unsolved = trials['environment-env-single'] as Trial;
      expect(unsolved.result.verifier_result).toBeNull();
      expect(unsolved.result.exception_info).toMatchObject({
        exception_type: 'AgentError',
        exception_message: expect.stringMatching(/has no reference solution/),
      });
      for (const [slug, trial] of Object.entries(trials)) {
        if (slug === 'environment-env-single') continue;
        expect(trial.result.verifier_result?.rewards?.reward, slug).toBe(1);
        expect(trial.result.exception_info, slug).toBeNull();
        expect(
          JSON.parse(readFileSync(path.join(trial.dir, 'verifier/reward.json'), 'utf8')),
        ).toEqual({ reward: 1 });
      }
      const multiStep = trials['hello-multi-step-simple']?.result;
      expect(multiStep.step_results).toHaveLength(2);
      expect(multiStep.step_results).toEqual([
        { step_name: 'create-file', verifier_result: { rewards: { reward: 1 } } },
        { step_name: 'append-content', verifier_result: { rewards: { reward: 1 } } },
      ]);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'examples/harbor: nop is rejected by every verifier (0), oracle passes every one (1)',
    async () => {
      // A rejection is a verdict of 0, not an error; the oracle's pass a verdict of 1.
      for (const [agent, reward] of [
        ['nop', 0],
        ['oracle', 1],
      ] as const) {
        const job = await evalJob(OWN_EXAMPLES, agent);
        expect(job).toMatchObject({ reward, runs: 3, verdicts: 3, errors: 0, failures: [] });
        expect(rewardsBySlug(job)).toEqual(
          Object.fromEntries(OWN_TASKS.map((slug) => [slug, reward])),
        );
        expect(verifierRewards(trialsOf(job)), agent).toEqual({
          'fix-greeting': { reward },
          'notes-two-steps': { reward },
          // A multi-metric verifier (reward.json): each metric as the verifier wrote it.
          'word-report': { correctness: reward, format: reward },
        });
      }
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    "claude fixes fix-greeting with bash in the task's container (root, /app), graded 1 by its verifier",
    async () => {
      // The same fix as the task's oracle: its solve.sh's sed line, run by the model's bash tool.
      const fix = readFileSync(path.join(FIX_GREETING, 'solution/solve.sh'), 'utf8')
        .split('\n')
        .find((line) => line.startsWith('sed -i '));
      expect(fix).toBeDefined();
      const buggy = readFileSync(path.join(FIX_GREETING, 'environment/greet.sh'), 'utf8').trim();
      const script: FakeTurn[] = [
        {
          text: 'Reading the script.',
          toolCalls: [
            { name: 'bash', arguments: { command: 'whoami && pwd && cat /app/greet.sh' } },
          ],
        },
        { toolCalls: [{ name: 'bash', arguments: { command: fix as string } }] },
        { text: 'Fixed: the script reads its first argument and ends the greeting with "!".' },
      ];
      const runningJobs: string[] = [];
      await using fake = await startFakeProvider({
        handler: async (body) => {
          const turn = turnOf(body);
          // While the agent works, its container is up and labelled with the job.
          if (turn === 1) runningJobs.push(...(await runningJobsOf('fix-greeting')));
          return script[turn] ?? { text: 'lost' };
        },
      });
      const run = await runClaude(
        fake.url,
        ['eval', '--no-reap', FIX_GREETING, 'claude', '--json'],
        {
          timeoutMs: 240_000,
        },
      );
      const summary = summaryOf(run);
      expect(summary).toMatchObject({ reward: 1, runs: 1, verdicts: 1, errors: 0 });
      expect(runningJobs).toContain(summary.job_id);

      const bodies = fake.bodiesFor('anthropic-messages') as MessagesBody[];
      expect(bodies).toHaveLength(3);
      expect(bodies[0].tools).toContainEqual({ type: 'bash_20250124', name: 'bash' });
      // The first command ran in the container: its user, its workdir and the image's buggy script.
      const [inspected] = lastToolResults(bodies[1]);
      const seen = resultText(inspected);
      expect(inspected.is_error).toBeUndefined();
      expect(seen).toMatch(/^root$/m);
      expect(seen).toMatch(/^\/app$/m);
      expect(seen).toContain(buggy);
      const [fixed] = lastToolResults(bodies[2]);
      expect(fixed.is_error).toBeUndefined();

      const trial = trialsOf(summary)['fix-greeting'] as Trial;
      expect(trial.result.verifier_result).toEqual({ rewards: { reward: 1 } });
      expect(trial.result.agent_info).toMatchObject({ name: 'claude' });
      expect(readFileSync(path.join(trial.dir, 'verifier/test-stdout.txt'), 'utf8')).toContain(
        'passed 2 of 2',
      );
      const toolSteps = trial.trajectory.steps.filter(
        (step: MessagesBody) => (step.tool_calls ?? []).length > 0,
      );
      expect(toolSteps.map((step: MessagesBody) => step.tool_calls[0].arguments.command)).toEqual([
        'whoami && pwd && cat /app/greet.sh',
        fix,
      ]);
      for (const step of toolSteps) {
        expect(step.source).toBe('agent');
        expect(step.observation.results).toHaveLength(1);
        expect(step.observation.results[0].source_call_id).toBe(step.tool_calls[0].tool_call_id);
      }
      expect(toolSteps[0].observation.results[0].content).toContain(buggy);
      expect(toolSteps[0].observation.results[0].content).toMatch(/^root$/m);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it.skipIf(!hasShared)(
    "claude on hello-user: bash runs as the task's [agent].user 'agent', graded 1",
    async () => {
      const command = 'whoami > /app/whoami.txt && echo "Hello, world!" > /app/hello.txt && whoami';
      await using fake = await bashOnce(command);
      const run = await runClaude(
        fake.url,
        ['eval', '--no-reap', path.join(SHARED_EXAMPLES, 'hello-user'), 'claude', '--json'],
        { timeoutMs: 240_000 },
      );
      const summary = summaryOf(run);
      expect(summary).toMatchObject({ reward: 1, runs: 1, verdicts: 1, errors: 0 });
      const bodies = fake.bodiesFor('anthropic-messages') as MessagesBody[];
      expect(bodies).toHaveLength(2);
      const [result] = lastToolResults(bodies[1]);
      expect(result.is_error).toBeUndefined();
      expect(resultText(result)).toMatch(/^agent$/m);
      expect(resultText(result)).not.toMatch(/^root$/m);
      const trial = trialsOf(summary)['hello-user'] as Trial;
      expect(trial.result.verifier_result).toEqual({ rewards: { reward: 1 } });
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'a folder of Harbor datasets runs as the union of their tasks, slugged <dataset>/<task>',
    async () => {
      // Two datasets holding a task of the same name: both run, told apart by their dataset.
      const folder = mkdtempSync(path.join(tmpdir(), 'hud-e2e-harbor-datasets-'));
      try {
        for (const dataset of ['alpha', 'beta']) {
          cpSync(FIX_GREETING, path.join(folder, dataset, 'fix-greeting'), { recursive: true });
        }
        const summary = await evalJob(folder, 'nop');
        expect(summary).toMatchObject({ reward: 0, runs: 2, verdicts: 2, errors: 0 });
        expect(rewardsBySlug(summary)).toEqual({ 'alpha/fix-greeting': 0, 'beta/fix-greeting': 0 });
        // Harbor names a trial after the task directory.
        const trials = trialsOf(summary);
        expect(Object.values(trials).map((trial) => path.basename(trial.dir))).toEqual([
          expect.stringMatching(/^fix-greeting__[0-9a-f]{7}$/),
          expect.stringMatching(/^fix-greeting__[0-9a-f]{7}$/),
        ]);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    "claude's bash in a Harbor container sees none of the CLI's secrets, only the task's declared env",
    async () => {
      const planted = 'planted-e2e-secret-7d1e';
      const command = 'env; echo "--- pid 1"; tr "\\0" "\\n" < /proc/1/environ';
      await using fake = await bashOnce(command);
      const run = await runClaude(
        fake.url,
        ['eval', '--no-reap', FIX_GREETING, 'claude', '--json'],
        {
          timeoutMs: 240_000,
          // The CLI's own environment: its provider key, another provider's, and a variable the task
          // declares through `${GREETING_NAME:-world}` (the one deliberate way in).
          env: {
            ANTHROPIC_API_KEY: `sk-ant-${planted}`,
            OPENAI_API_KEY: `sk-${planted}`,
            GREETING_NAME: 'declared-through-task-toml',
          },
        },
      );
      const summary = summaryOf(run);
      expect(summary).toMatchObject({ runs: 1, verdicts: 1, errors: 0 });
      const bodies = fake.bodiesFor('anthropic-messages') as MessagesBody[];
      expect(bodies).toHaveLength(2);
      const [result] = lastToolResults(bodies[1]);
      const seen = resultText(result);
      expect(result.is_error).toBeUndefined();
      // Both the exec session and the container's first process have the declared variable…
      expect(seen.match(/^GREETING_NAME=declared-through-task-toml$/gm)).toHaveLength(2);
      // …and neither has the host's keys.
      expect(seen).not.toContain(planted);
      expect(seen).not.toMatch(/ANTHROPIC|OPENAI/);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it('no job above leaves a hud-managed container behind', async () => {
    // Jobs are those of the tests above that got as far as a summary (5 without the shared examples, 8 with).
    expect(jobs.length, 'no job ran before this check').toBeGreaterThan(0);
    const left: Record<string, string[]> = {};
    for (const job of jobs) {
      const containers = await containersAfter({ 'hud.job': job });
      if (containers.length > 0) left[job] = containers;
    }
    expect(left).toEqual({});
  });
});
