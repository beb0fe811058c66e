import { existsSync } from 'node:fs';
import path from 'node:path';
import { shellQuote } from '@hud/protocol';
import { HarborRunError } from './errors.js';
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
  /**
   * Starts the container of a step's separate verifier (from its `verifierContext` image). Needed when the
   * task or any step resolves to `environment_mode = "separate"`.
   */
  openVerifier?: (step: TrialStep) => Promise<HarborContainer>;
  /** The host's variables, for `${VAR}` in env tables. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** When provisioning started and ended (`environment_setup`). */
  setup: PhaseTiming;
}

/** A step's `workdir/` script run before its agent (and removed). */
const SETUP_SCRIPT = 'setup.sh';

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
  /** Steps whose oracle refused (no `solve.sh`), with its message: they are not verified. */
  readonly #refused = new Map<number, string>();

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
   * Prepares step `index` before the agent sees its instruction: copies its `workdir/` files into the
   * working directory, runs `workdir/setup.sh` there (as root, by its shebang, within
   * `[environment].build_timeout_sec`) and removes it, then awaits the step's healthcheck.
   * @throws HarborRunError `step_setup_failed` when `setup.sh` exits non-zero or outlives its limit,
   *   `healthcheck_failed` when the healthcheck does not pass.
   */
  async beginStep(index: number, signal?: AbortSignal): Promise<void> {
    this.current = index;
    const step = this.steps[index] as TrialStep;
    if (step.workdirSeed) {
      const workdir =
        this.task.config.environment.workdir ?? (await this.container.sh('pwd', 'pwd')).trim();
      await this.container.upload(step.workdirSeed, workdir);
      if (existsSync(path.join(step.workdirSeed, SETUP_SCRIPT))) {
        await this.#runSetup(step, workdir, signal);
      }
    }
    if (step.healthcheck) await this.container.waitHealthy(step.healthcheck, signal);
  }

  async #runSetup(step: TrialStep, workdir: string, signal?: AbortSignal): Promise<void> {
    const limit = this.task.config.environment.buildTimeoutSec;
    const result = await this.container.exec({
      // Removed whatever happens: the agent must not find the harness's setup in its working directory.
      cmd: [
        'sh',
        '-c',
        `chmod +x ./${SETUP_SCRIPT} && ./${SETUP_SCRIPT}; rc=$?; rm -f ./${SETUP_SCRIPT}; exit $rc`,
      ],
      user: 'root',
      workdir,
      timeoutMs: limit * 1000,
      signal,
      maxOutputBytes: 64 * 1024,
    });
    const where = `steps/${step.name}/workdir/${SETUP_SCRIPT}`;
    if (result.timedOut) {
      await this.container.sh(
        `rm -f ${shellQuote(`${workdir}/${SETUP_SCRIPT}`)}`,
        'removing setup.sh',
      );
      throw new HarborRunError(
        'step_setup_failed',
        `task '${this.task.slug}': ${where} did not finish within build_timeout_sec = ${limit} s`,
      );
    }
    if (result.exitCode !== 0) {
      const output = `${result.stdout}${result.stderr}`.trim().slice(-2000);
      throw new HarborRunError(
        'step_setup_failed',
        `task '${this.task.slug}': ${where} exited ${result.exitCode}${output ? `: ${output}` : ''}`,
      );
    }
  }

  /**
   * The oracle (Harbor `OracleAgent`): uploads the step's `solution/` to `/solution`, runs `solve.sh` as the
   * agent user in the working directory with `[solution].env` and `DEBIAN_FRONTEND=noninteractive`, its
   * output in `/logs/agent/oracle.txt`, within the agent's time limit.
   * Without `solution/solve.sh` the oracle refuses, as Harbor's raises: the step is then not verified (its
   * grade is an error carrying the same message, see {@link verify}), so the run is errored, never a 0 or a
   * verdict on an untouched container.
   * @throws HarborRunError `no_solution` (`this task has no reference solution: …/solution/solve.sh is
   *   missing`);
   *   Error when `solve.sh` outlives the time limit.
   */
  async solve(signal?: AbortSignal): Promise<SolveOutcome> {
    const step = this.steps[this.current] as TrialStep;
    const script = path.join(step.solutionDir, 'solve.sh');
    if (!existsSync(script)) {
      const looked = step.name
        ? `steps/${step.name}/solution/solve.sh, else solution/solve.sh`
        : '';
      const message = `this task has no reference solution: ${script} is missing${looked ? ` (the oracle of a step runs ${looked})` : ''}`;
      this.#refused.set(this.current, message);
      throw new HarborRunError('no_solution', message);
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
    const refused = this.#refused.get(index);
    if (refused !== undefined) {
      const at = new Date().toISOString();
      return {
        rewards: null,
        error: refused,
        errorType: 'AgentError',
        exitCode: null,
        output: '',
        warnings: [],
        startedAt: at,
        finishedAt: at,
      };
    }
    const env = this.#env(step.verifier.env, step.name ? `steps.verifier.env` : 'verifier.env');
    const common = {
      testsDirs: step.testsDirs,
      mode: step.verifier.mode,
      testScript: step.testScript,
      config: step.verifier,
      env,
      signal,
    };
    if (step.verifier.mode !== 'separate') {
      return runVerifier({ container: this.container, ...common });
    }
    const open = this.#init.openVerifier;
    if (!open) throw new Error('a separate verifier needs its container (openVerifier)');
    const verifier = await open(step);
    try {
      for (const artifact of step.artifacts) {
        await this.container.copyTo(verifier, artifact.source, artifact.destination);
      }
      // The zero-config artifact directory (Harbor: `/logs/artifacts/`, collected from every trial).
      await this.container.copyTo(verifier, '/logs/artifacts');
      return await runVerifier({ container: verifier, ...common });
    } finally {
      await verifier.remove();
    }
  }
}
