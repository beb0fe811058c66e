import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HarborContainer } from './harbor-container.js';
import { resolveEnv } from './resolve-env.js';
import type { HarborTask } from './task-config.js';
import { type TrialStep, trialSteps } from './trial-steps.js';
import { runVerifier, type VerifyOutcome } from './verifier.js';

/** A phase's start and end, ISO 8601 (Harbor's `TimingInfo`). */
export interface PhaseTiming {
  started_at: string;
  finished_at: string;
}

/** What a {@link HarborTrial} drives. */
export interface HarborTrialInit {
  task: HarborTask;
  /** The agent's container, started. */
  container: HarborContainer;
  /** Starts a separate verifier's container (tasks with `environment_mode = "separate"` only). */
  openVerifier?: () => Promise<HarborContainer>;
  /** The host's variables, for `${VAR}` in env tables. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** When provisioning started and ended (`environment_setup`). */
  setup: PhaseTiming;
}

/** The oracle's run of `solve.sh`. */
export interface SolveOutcome {
  exitCode: number | null;
  output: string;
}

/**
 * One Harbor trial in a started container: its steps, the oracle's `solve.sh`, and each step's verifier
 * (Harbor v0.22 `src/harbor/trial/single_step.py` and `multi_step.py`, `src/harbor/agents/oracle.py`).
 */
export class HarborTrial {
  readonly task: HarborTask;
  readonly steps: TrialStep[];
  readonly container: HarborContainer;
  readonly setup: PhaseTiming;
  /** The step the agent is on (0-based). */
  current = 0;
  readonly #init: HarborTrialInit;

  constructor(init: HarborTrialInit) {
    this.#init = init;
    this.task = init.task;
    this.container = init.container;
    this.setup = init.setup;
    this.steps = trialSteps(init.task);
  }

  /** Where the task's `[*.env]` tables are named in errors. */
  #env(values: Readonly<Record<string, string>>, where: string): Record<string, string> {
    return resolveEnv(values, this.#init.hostEnv, `${this.task.dir}/task.toml [${where}]`);
  }

  /**
   * Prepares step `index` before the agent sees its instruction: its `workdir/` files, its healthcheck.
   * @throws HarborRunError when the healthcheck does not pass.
   */
  async beginStep(index: number, signal?: AbortSignal): Promise<void> {
    this.current = index;
    const step = this.steps[index] as TrialStep;
    if (step.workdirSeed) {
      const workdir =
        this.task.config.environment.workdir ?? (await this.container.sh('pwd', 'pwd')).trim();
      await this.container.upload(step.workdirSeed, workdir);
    }
    if (step.healthcheck) await this.container.waitHealthy(step.healthcheck, signal);
  }

  /**
   * The oracle (Harbor `OracleAgent`): uploads the step's `solution/` to `/solution`, runs `solve.sh` as the
   * agent user in the working directory with `[solution].env` and `DEBIAN_FRONTEND=noninteractive`, its
   * output in `/logs/agent/oracle.txt`, within the agent's time limit.
   * A task without a `solution/` directory gets nothing run (its output says so).
   * @throws Error when `solution/` has no `solve.sh`, or `solve.sh` outlives the time limit.
   */
  async solve(signal?: AbortSignal): Promise<SolveOutcome> {
    const step = this.steps[this.current] as TrialStep;
    if (!existsSync(step.solutionDir)) {
      // A task without `solution/` (e.g. Harbor's environment-env-single, "do nothing"): nothing to run.
      return {
        exitCode: null,
        output: `the task has no ${path.basename(step.solutionDir)}/ directory: the oracle did nothing`,
      };
    }
    if (!existsSync(path.join(step.solutionDir, 'solve.sh'))) {
      throw new Error(
        `task '${this.task.slug}' has no oracle solution: ${step.solutionDir}/solve.sh is missing`,
      );
    }
    await this.container.upload(step.solutionDir, '/solution', { replace: true });
    await this.container.sh('chmod +x /solution/solve.sh', 'chmod +x /solution/solve.sh');
    const env = {
      DEBIAN_FRONTEND: 'noninteractive',
      ...this.#env(this.task.config.solutionEnv, 'solution.env'),
    };
    const limit = step.agent.timeoutSec;
    const result = await this.container.exec({
      cmd: [
        'sh',
        '-c',
        '/solution/solve.sh > /logs/agent/oracle.txt 2>&1; rc=$?; cat /logs/agent/oracle.txt 2>/dev/null; exit $rc',
      ],
      user: step.agent.user,
      env,
      timeoutMs: limit === null ? null : limit * 1000,
      signal,
      maxOutputBytes: 64 * 1024,
    });
    if (result.timedOut) {
      throw new Error(`solve.sh did not finish within the agent's time limit of ${limit} s`);
    }
    return { exitCode: result.exitCode, output: `${result.stdout}${result.stderr}` };
  }

  /**
   * Verifies step `index`: in the agent's container, or — for a separate verifier — in a fresh container of
   * the `tests/Dockerfile` image that receives only the task's `artifacts` and `/logs/artifacts/` from the
   * agent's container (nothing else crosses), removed afterwards.
   */
  async verify(index: number, signal?: AbortSignal): Promise<VerifyOutcome> {
    const step = this.steps[index] as TrialStep;
    const env = this.#env(step.verifier.env, step.name ? `steps.verifier.env` : 'verifier.env');
    if (step.verifier.mode !== 'separate') {
      return runVerifier({
        container: this.container,
        testsDir: step.testsDir,
        config: step.verifier,
        env,
        signal,
      });
    }
    const open = this.#init.openVerifier;
    if (!open) throw new Error('a separate verifier needs its container (openVerifier)');
    const verifier = await open();
    try {
      for (const artifact of step.artifacts) {
        await this.container.copyTo(verifier, artifact.source, artifact.destination);
      }
      // The zero-config artifact directory (Harbor: `/logs/artifacts/`, collected from every trial).
      await this.container.copyTo(verifier, '/logs/artifacts');
      return await runVerifier({
        container: verifier,
        testsDir: null,
        config: step.verifier,
        env,
        signal,
      });
    } finally {
      await verifier.remove();
    }
  }
}
