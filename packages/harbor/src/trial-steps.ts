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
  /**
   * Host directories copied to `/tests` before this step's verifier, in order, a later file replacing an
   * earlier one of the same name: the task's `tests/`, then the step's own `tests/` (only those that
   * exist). For a separate verifier: only the step's own `tests/`, laid over the `/tests` of an image built
   * from the task's `tests/` (empty when the image is the step's own).
   */
  testsDirs: string[];
  /** Where `test.sh` is expected, as named when no directory of `testsDirs` has one. */
  testScript: string;
  /**
   * A separate verifier's image build context: the step's `tests/` when it holds a `Dockerfile`, else the
   * task's `tests/` when that does; null for a shared verifier or when neither has a `Dockerfile`.
   */
  verifierContext: string | null;
  /** `solution/` for the oracle (the step's own, else the task's); may not exist. */
  solutionDir: string;
  /** `steps/<name>/workdir/`: files copied into the working directory before the step, when present. */
  workdirSeed: string | null;
  agent: HarborAgentConfig;
  verifier: HarborVerifierConfig;
  minReward: number | null;
  healthcheck: HarborHealthcheck | null;
  artifacts: HarborArtifact[];
}

/** What a step directory may hold; anything else is reported by the loader (`harbor.unsupported.step_entry`). */
export const STEP_ENTRIES = ['instruction.md', 'tests', 'solution', 'workdir'] as const;

const hasDockerfile = (dir: string) => existsSync(path.join(dir, 'Dockerfile'));

/**
 * The steps of a Harbor task, with their files (Harbor v0.22 layout: `instruction.md`, `tests/`,
 * `solution/` at the top for a single step; `steps/<name>/…` per `[[steps]]` entry, a step's `tests/`
 * merged over the task's, its `solution/` used instead of the task's).
 */
export function trialSteps(task: HarborTask): TrialStep[] {
  const { config } = task;
  const taskTests = path.join(task.dir, 'tests');
  const taskHasTests = existsSync(taskTests);
  if (config.steps.length === 0) {
    const separate = config.verifier.mode === 'separate';
    return [
      {
        name: null,
        instruction: task.instruction,
        testsDirs: separate || !taskHasTests ? [] : [taskTests],
        testScript: path.join(taskTests, 'test.sh'),
        verifierContext: separate && hasDockerfile(taskTests) ? taskTests : null,
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
    const ownTests = path.join(dir, 'tests');
    const hasOwnTests = existsSync(ownTests);
    const ownSolution = path.join(dir, 'solution');
    const seed = path.join(dir, 'workdir');
    let testsDirs: string[];
    let verifierContext: string | null = null;
    if (step.verifier.mode === 'separate') {
      verifierContext = hasOwnTests && hasDockerfile(ownTests) ? ownTests : null;
      verifierContext ??= taskHasTests && hasDockerfile(taskTests) ? taskTests : null;
      testsDirs = verifierContext === taskTests && hasOwnTests ? [ownTests] : [];
    } else {
      testsDirs = [...(taskHasTests ? [taskTests] : []), ...(hasOwnTests ? [ownTests] : [])];
    }
    return {
      name: step.name,
      instruction: task.stepInstructions[index] ?? '',
      testsDirs,
      testScript: `${path.join(ownTests, 'test.sh')} (or ${path.join(taskTests, 'test.sh')})`,
      verifierContext,
      solutionDir: existsSync(ownSolution) ? ownSolution : path.join(task.dir, 'solution'),
      workdirSeed: existsSync(seed) ? seed : null,
      agent: step.agent,
      verifier: step.verifier,
      minReward: step.minReward,
      healthcheck: step.healthcheck,
      artifacts: [...config.artifacts, ...step.artifacts],
    };
  });
}
