import { Environment } from '@hud/environment';
import { z } from 'zod';
import { summarizeRewards } from './reward-file.js';
import type { HarborTrial, PhaseTiming } from './trial.js';
import type { TrialStep } from './trial-steps.js';
import { OUTPUT_TAIL_CHARS, type VerifyOutcome } from './verifier.js';

/** Where the trial's `shell` capability runs commands. */
export interface TrialShell {
  containerId: string;
  /** `[agent].user`; null = the image's user. */
  user: string | null;
  /** The container's working directory (`[environment].workdir`, else the image's, else `/`). */
  cwd: string;
}

/** The template id of a Harbor task row (hud-python's Harbor environment names its template `run`). */
export const HARBOR_TEMPLATE_ID = 'run';

/** The args of a Harbor row (hud-python `adapt.py`): the instruction and the task's summary. */
const HarborArgs = z.object({
  instruction: z.string(),
  task: z.record(z.string(), z.unknown()).optional(),
  steps: z.array(z.string()).optional(),
});

interface StepRecord {
  name: string | null;
  reward: number | null;
  rewards: Record<string, number> | null;
  error: string | null;
  error_type: string | null;
  exit_code: number | null;
  agent_execution: PhaseTiming;
  verifier: PhaseTiming;
}

const now = () => new Date().toISOString();

/**
 * The grade frame of a trial so far: the reward (`mean` of the step rewards, or the `final` step's, per
 * `multi_step_reward_strategy`; a single step's own), the verifier's metrics as subscores, and in `info`
 * what Harbor's `result.json` needs (`rewards`, `steps`, `timing`, `verifier_stdout`). A step without a
 * verdict makes the whole grade `isError`, never a 0.
 */
function gradeFrame(
  trial: HarborTrial,
  records: StepRecord[],
  last: VerifyOutcome,
): Record<string, unknown> {
  const failed = records.find((record) => record.error !== null);
  const single = records.length === 1 && records[0]?.name === null;
  const timing = {
    environment_setup: trial.setup,
    agent_execution: {
      started_at: records[0]?.agent_execution.started_at,
      finished_at: records.at(-1)?.agent_execution.finished_at,
    },
    verifier: {
      started_at: records[0]?.verifier.started_at,
      finished_at: records.at(-1)?.verifier.finished_at,
    },
  };
  const info: Record<string, unknown> = {
    rewards: null,
    verifier_stdout: last.output.slice(-OUTPUT_TAIL_CHARS),
    verifier_exit_code: last.exitCode,
    timing,
    ...(single
      ? {}
      : {
          steps: records.map(({ name, reward, rewards, error }) => ({
            name,
            reward,
            rewards,
            error,
          })),
        }),
    ...(last.warnings.length > 0 ? { warnings: last.warnings } : {}),
  };
  if (failed) {
    const where = failed.name ? `step '${failed.name}': ` : '';
    return {
      score: 0,
      isError: true,
      content: `${where}${failed.error}`,
      info: { ...info, error_type: failed.error_type },
    };
  }
  if (single) {
    const rewards = records[0]?.rewards ?? {};
    const { score, subscores } = summarizeRewards(rewards);
    return { score, ...(subscores.length > 0 ? { subscores } : {}), info: { ...info, rewards } };
  }
  const stepRewards = records.map((record) => record.reward ?? 0);
  const strategy = trial.task.config.multiStepRewardStrategy;
  const total = trial.steps.length;
  // Steps skipped after a `min_reward` miss count as 0 under `mean` (Harbor scores them as not passed).
  const score =
    strategy === 'final'
      ? records.length === total
        ? (stepRewards.at(-1) ?? 0)
        : 0
      : stepRewards.reduce((sum, value) => sum + value, 0) / total;
  return {
    score,
    subscores: trial.steps.map((step, index) => ({
      name: step.name ?? `step-${index + 1}`,
      value: stepRewards[index] ?? 0,
      weight: strategy === 'final' ? (index === total - 1 ? 1 : 0) : 1 / total,
    })),
    info: { ...info, rewards: { reward: score } },
  };
}

/**
 * The HUD environment of one Harbor trial, served on the host for one lease: one template, `run`, whose
 * prompt is the instruction, whose solution is the oracle's `solve.sh`, and whose grade is the verifier's
 * verdict. A `[[steps]]` task grades each step and opens the next with a `done: false` grade carrying the
 * next instruction (hud-ts's multi-step extension); a step below its `min_reward` ends the trial.
 */
export function trialEnvironment(trial: HarborTrial, name: string, shell: TrialShell): Environment {
  const env = new Environment({ name, version: trial.task.config.schemaVersion });
  // The `shell` capability (ssh/2): model agents' bash and editor tools act in the container, as the agent
  // user, through `docker exec` (the docker CLI on this host).
  env.workspace({
    guestPath: shell.cwd,
    launcher: ({ argv, cwd, env: vars }) => ({
      file: 'docker',
      args: [
        'exec',
        '-i',
        ...(shell.user ? ['-u', shell.user] : []),
        '-w',
        cwd,
        ...Object.entries(vars).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
        shell.containerId,
        ...argv,
      ],
    }),
  });
  env.template(
    {
      id: HARBOR_TEMPLATE_ID,
      description: `Harbor task ${trial.task.config.name ?? trial.task.slug}`,
      args: HarborArgs,
      solution: async (_args, context) => {
        const outcome = await trial.solve(context.signal);
        return outcome.output.slice(-OUTPUT_TAIL_CHARS);
      },
    },
    async function* (_args, context) {
      const records: StepRecord[] = [];
      await trial.beginStep(0, context.signal);
      let agentStarted = now();
      // The agent's answer is not graded: Harbor verifiers judge the container's state.
      yield (trial.steps[0] as TrialStep).instruction;
      for (let index = 0; ; index++) {
        const step = trial.steps[index] as TrialStep;
        const agentFinished = now();
        const outcome = await trial.verify(index, context.signal);
        records.push({
          name: step.name,
          reward: outcome.rewards ? summarizeRewards(outcome.rewards).score : null,
          rewards: outcome.rewards,
          error: outcome.error,
          error_type: outcome.errorType,
          exit_code: outcome.exitCode,
          agent_execution: { started_at: agentStarted, finished_at: agentFinished },
          verifier: { started_at: outcome.startedAt, finished_at: outcome.finishedAt },
        });
        const frame = gradeFrame(trial, records, outcome);
        const reward = records.at(-1)?.reward ?? 0;
        const belowMinimum = step.minReward !== null && reward < step.minReward;
        if (frame.isError || index === trial.steps.length - 1 || belowMinimum) {
          if (belowMinimum) {
            (frame.info as Record<string, unknown>).stopped =
              `step '${step.name}' scored ${reward}, below its min_reward ${step.minReward}`;
          }
          yield frame;
          return;
        }
        const next = trial.steps[index + 1] as TrialStep;
        await trial.beginStep(index + 1, context.signal);
        const prompt = next.instruction;
        agentStarted = now();
        yield {
          ...frame,
          done: false,
          prompt,
          ...(next.agent.timeoutSec !== null
            ? { agent_timeout_seconds: next.agent.timeoutSec }
            : {}),
        };
      }
    },
  );
  return env;
}
