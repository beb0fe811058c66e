import { existsSync } from 'node:fs';
import path from 'node:path';
import type {
  HarborAgentConfig,
  HarborArtifact,
  HarborHealthcheck,
  HarborTask,
  HarborVerifierConfig,
} from './task-config.js';

/** One step of a trial: a single-step task has one, a `[[steps]]` task one per step. */
export interface TrialStep {
  /** The step's name; null for a single-step task. */
  name: string | null;
  /** The instruction the agent gets (`instruction.md`, or `steps/<name>/instruction.md`). */
  instruction: string;
  /** `tests/` to upload for this step. */
  testsDir: string;
  /** `solution/` for the oracle; may not exist. */
  solutionDir: string;
  /** `steps/<name>/workdir/`: files copied into the working directory before the step, when present. */
  workdirSeed: string | null;
  agent: HarborAgentConfig;
  verifier: HarborVerifierConfig;
  minReward: number | null;
  healthcheck: HarborHealthcheck | null;
  artifacts: HarborArtifact[];
}

/** A step directory's own `sub`, else the task's (a multi-step task may share `tests/` or `solution/`). */
function stepFile(task: HarborTask, stepDir: string, sub: string): string {
  const own = path.join(stepDir, sub);
  return existsSync(own) ? own : path.join(task.dir, sub);
}

/**
 * The steps of a Harbor task, with their files (Harbor v0.22 layout: `instruction.md`, `tests/`,
 * `solution/` at the top for a single step; `steps/<name>/…` per `[[steps]]` entry).
 */
export function trialSteps(task: HarborTask): TrialStep[] {
  const { config } = task;
  if (config.steps.length === 0) {
    return [
      {
        name: null,
        instruction: task.instruction,
        testsDir: path.join(task.dir, 'tests'),
        solutionDir: path.join(task.dir, 'solution'),
        workdirSeed: null,
        agent: config.agent,
        verifier: config.verifier,
        minReward: null,
        healthcheck: null,
        artifacts: config.artifacts,
      },
    ];
  }
  return config.steps.map((step, index) => {
    const dir = path.join(task.dir, 'steps', step.name);
    const seed = path.join(dir, 'workdir');
    return {
      name: step.name,
      instruction: task.stepInstructions[index] ?? '',
      testsDir: stepFile(task, dir, 'tests'),
      solutionDir: stepFile(task, dir, 'solution'),
      workdirSeed: existsSync(seed) ? seed : null,
      agent: step.agent,
      verifier: step.verifier,
      minReward: step.minReward,
      healthcheck: step.healthcheck,
      artifacts: [...config.artifacts, ...step.artifacts],
    };
  });
}
