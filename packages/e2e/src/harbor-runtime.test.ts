import { randomUUID } from 'node:crypto';
import { NopAgent, OracleAgent } from '@hud/agents';
import { type Job, Taskset } from '@hud/eval';
import { HarborRuntime, loadHarborSource } from '@hud/harbor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDocker, managedContainers } from './support/docker.js';
import {
  ensureUbuntuStandIns,
  HARBOR_EXAMPLES,
  hasExamples,
  writeTask,
} from './support/harbor-tasks.js';

// `HarborRuntime` (@hud/harbor) as the provider of a `Taskset.run` (@hud/eval) with the oracle and nop
// agents (@hud/agents), on the real engine: the Harbor examples beside the project and task dirs written here.

const job = `test-harbor-${randomUUID()}`;
const runtime = HarborRuntime({ job: () => job, hostEnv: { HOST_GREETING: 'hi from the host' } });

async function runAll(source: string, agent: 'oracle' | 'nop'): Promise<Job> {
  const loaded = await loadHarborSource(source);
  expect(loaded.findings).toEqual([]);
  return new Taskset(loaded.name, loaded.rows).run({
    agent: agent === 'oracle' ? new OracleAgent() : new NopAgent(),
    provider: runtime,
    maxConcurrent: 3,
  });
}

const rewards = (job: Job) => Object.fromEntries(job.runs.map((run) => [run.slug, run.reward]));

beforeAll(() => ensureUbuntuStandIns(), 180_000);
afterAll(async () => {
  await runtime.close();
  // Every container of these jobs is gone once their leases are released.
  expect(await managedContainers({ 'hud.job': job })).toEqual([]);
}, 180_000);

describe.skipIf(!hasDocker || !hasExamples)('the Harbor examples on Docker', () => {
  it('oracle scores 1.0 on every task with a solution (non-root agent user, workdir, two steps, separate verifier); environment-env-single has none: an errored run', async () => {
    const result = await runAll(HARBOR_EXAMPLES, 'oracle');
    // Harbor's oracle raises on a task without solution/; the run is an error, not a verdict.
    expect(result.errors.map((run) => `${run.slug}: ${run.error}`)).toEqual([
      expect.stringMatching(
        /^environment-env-single: \[agent loop\] .*this task has no reference solution: .*environment-env-single\/solution\/solve\.sh is missing/,
      ),
    ]);
    expect(rewards(result)).toEqual({
      'environment-env-single': null,
      'hello-multi-step-simple': 1,
      'hello-user': 1,
      'hello-workdir': 1,
      'separate-verifier-environment': 1,
    });
    const multi = result.runs.find((run) => run.slug === 'hello-multi-step-simple');
    // Two steps, each verified: two evaluate calls, the second prompt is step 2's instruction.
    expect(multi?.grade?.subscores?.map((part) => [part.name, part.value])).toEqual([
      ['create-file', 1],
      ['append-content', 1],
    ]);
    const trace = result.trace(multi?.trace_id as string);
    const prompts = trace?.steps.filter((step) => step.source === 'user').length;
    expect(prompts).toBe(2);
  });

  it('nop scores 0.0, except the task whose instruction is to do nothing', async () => {
    const result = await runAll(HARBOR_EXAMPLES, 'nop');
    expect(result.errors.map((run) => `${run.slug}: ${run.error}`)).toEqual([]);
    expect(rewards(result)).toEqual({
      'environment-env-single': 1,
      'hello-multi-step-simple': 0,
      'hello-user': 0,
      'hello-workdir': 0,
      'separate-verifier-environment': 0,
    });
  });
});

const DOCKERFILE = 'FROM ubuntu:24.04\nWORKDIR /app\n';
const TOML = (extra = '') =>
  `schema_version = "1.4"\n[verifier]\ntimeout_sec = 20.0\n[agent]\ntimeout_sec = 30.0\n${extra}`;

describe.skipIf(!hasDocker)('Harbor verdicts and failures', () => {
  let dataset: string;
  beforeAll(async () => {
    const root = await writeTask({});
    const solve = '#!/bin/bash\necho done > /app/done.txt\n';
    await writeTask(
      {
        'missing-test-sh/task.toml': TOML(),
        'missing-test-sh/instruction.md': 'Do anything.',
        'missing-test-sh/environment/Dockerfile': DOCKERFILE,
        'no-reward/task.toml': TOML(),
        'no-reward/instruction.md': 'Do anything.',
        'no-reward/environment/Dockerfile': DOCKERFILE,
        'no-reward/tests/test.sh': '#!/bin/bash\necho "I forgot the reward"\nexit 0\n',
        'empty-reward/task.toml': TOML(),
        'empty-reward/instruction.md': 'Do anything.',
        'empty-reward/environment/Dockerfile': DOCKERFILE,
        'empty-reward/tests/test.sh': '#!/bin/bash\n: > /logs/verifier/reward.txt\n',
        'verifier-timeout/task.toml': TOML().replace('timeout_sec = 20.0', 'timeout_sec = 2.0'),
        'verifier-timeout/instruction.md': 'Do anything.',
        'verifier-timeout/environment/Dockerfile': DOCKERFILE,
        'verifier-timeout/tests/test.sh':
          '#!/bin/bash\nsleep 60\necho 1 > /logs/verifier/reward.txt\n',
        'metrics/task.toml': TOML(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Harbor's `${VAR}` templating, verbatim.
          '[environment.env]\nGREETING = "${HOST_GREETING}"\nFALLBACK = "${HUD_UNSET_VARIABLE:-fallback}"\n[environment.healthcheck]\ncommand = "test -d /app"\ninterval_sec = 0.2\nretries = 2\n',
        ),
        'metrics/instruction.md': 'Write done to /app/done.txt.',
        'metrics/environment/Dockerfile': DOCKERFILE,
        'metrics/solution/solve.sh': solve,
        // Exit code 1 is ignored; reward.json wins over reward.txt; the env table reached the container.
        'metrics/tests/test.sh':
          '#!/bin/sh\nc=0; [ -f /app/done.txt ] && c=1\ng=0; [ "$GREETING/$FALLBACK" = "hi from the host/fallback" ] && g=1\nprintf \'{"correctness": %s, "greeting": %s}\' $c $g > /logs/verifier/reward.json\necho 0 > /logs/verifier/reward.txt\nexit 1\n',
        'unhealthy/task.toml': TOML(
          '[environment.healthcheck]\ncommand = "test -e /nope"\ninterval_sec = 0.1\nretries = 1\n',
        ),
        'unhealthy/instruction.md': 'Do anything.',
        'unhealthy/environment/Dockerfile': DOCKERFILE,
        'unhealthy/tests/test.sh': '#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n',
      },
      root,
    );
    dataset = root;
  });

  it('reports no test.sh, no reward file, an empty one, a verifier timeout and a failed healthcheck as errored runs, never as 0', async () => {
    const result = await runAll(dataset, 'nop');
    const bySlug = Object.fromEntries(result.runs.map((run) => [run.slug, run]));
    for (const slug of [
      'missing-test-sh',
      'no-reward',
      'empty-reward',
      'verifier-timeout',
      'unhealthy',
    ]) {
      expect(bySlug[slug]?.isError, slug).toBe(true);
      expect(bySlug[slug]?.reward, slug).toBeNull();
    }
    expect(bySlug['missing-test-sh']?.error).toMatch(/\[grading\].*tests\/test\.sh is missing/);
    expect(bySlug['no-reward']?.error).toMatch(/no reward file/);
    expect(bySlug['no-reward']?.grade?.info?.verifier_stdout).toMatch(/I forgot the reward/);
    expect(bySlug['empty-reward']?.error).toMatch(/reward\.txt is empty/);
    expect(bySlug['verifier-timeout']?.error).toMatch(/timed out after 2 s/);
    expect(bySlug.unhealthy?.error).toMatch(
      /\[provisioning\].*healthcheck 'test -e \/nope' did not pass/,
    );
    // Doing nothing passes one metric of two: the mean, with both as subscores; the exit code 1 and the
    // reward.txt beside reward.json are ignored.
    expect(bySlug.metrics?.isError).toBe(false);
    expect(bySlug.metrics?.reward).toBe(0.5);
    expect(bySlug.metrics?.grade?.subscores?.map((part) => [part.name, part.value])).toEqual([
      ['correctness', 0],
      ['greeting', 1],
    ]);
    expect(bySlug.metrics?.grade?.info?.rewards).toEqual({ correctness: 0, greeting: 1 });
    expect(bySlug.metrics?.grade?.info?.verifier_exit_code).toBe(1);
    // Only the run with a verdict counts for the job's reward.
    expect(result.reward).toBe(0.5);
  });

  it('oracle solves the multi-metric task: 1.0 with both metrics met', async () => {
    const loaded = await loadHarborSource(dataset);
    const metrics = loaded.rows.filter((row) => row.slug === 'metrics');
    const result = await new Taskset('metrics', metrics).run({
      agent: new OracleAgent(),
      provider: runtime,
    });
    expect(result.runs[0]?.error).toBeNull();
    expect(result.runs[0]?.reward).toBe(1);
    expect(result.runs[0]?.grade?.info?.rewards).toEqual({ correctness: 1, greeting: 1 });
  });
});
