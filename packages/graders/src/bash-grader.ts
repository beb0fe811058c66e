import { errorMessage, type SubScore } from '@hud/protocol';
import type { CommandExecutor, CommandOutcome } from './command-executor.js';
import { errorSubScore } from './error-result.js';
import { GraderError } from './errors.js';
import { type GradeContext, Grader } from './grader.js';
import { LocalCommandExecutor } from './local-command-executor.js';
import { subscore } from './results.js';

/** Default command timeout: 600 s, hud-python 0.6.16 `BashGrader.default_timeout`. */
export const DEFAULT_BASH_TIMEOUT_MS = 600_000;

/** Per-call parameters of {@link BashGrader} (recorded in `info._parameters`). */
export interface BashGraderParams {
  /**
   * A script, run as `/bin/bash -lc <script>` (hud-python's form), or an argv array run directly without a
   * shell. Never build the script by pasting the agent's answer into it; pass untrusted text as argv.
   */
  command: string | readonly string[];
  /** Working directory; default: the executor's. */
  cwd?: string | undefined;
  /** Timeout in milliseconds; default {@link DEFAULT_BASH_TIMEOUT_MS}. */
  timeoutMs?: number | undefined;
}

/** Construction options of {@link BashGrader} (not recorded). */
export interface BashGraderOptions {
  /** Where commands run; default a {@link LocalCommandExecutor} (this host, `HUD_*` stripped from env). */
  executor?: CommandExecutor | undefined;
  /** Variables set for every command, on top of the executor's base environment. */
  env?: Readonly<Record<string, string>> | undefined;
}

function isCommand(value: unknown): value is string | readonly string[] {
  if (typeof value === 'string') return value.length > 0;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((part: unknown) => typeof part === 'string')
  );
}

/**
 * Runs a command and scores it by exit status: value 1 iff it exits 0 (hud-python 0.6.16
 * `hud/graders/bash.py`). `info` is `{exit_code, stdout, stderr}`; on timeout (the process group is killed)
 * value 0 with `{exit_code: null, stdout, stderr, timed_out: true, timeout: <seconds>}`. Output is kept up to
 * the executor's cap (1 MiB per stream locally) with the cut marked — hud-python keeps it all.
 *
 * A command that cannot start — missing working directory, missing `/bin/bash` or `argv[0]` — is an
 * infrastructure failure, not a 0: the result is an error sub-score (`isErrorResult()` is true;
 * `info.error` names the directory or program) with hud-python's keys `{exit_code: null, stdout: '',
 * stderr, timed_out: false}` alongside.
 * @example
 * const tests = await new BashGrader().grade({ weight: 0.6, command: 'pytest -q', cwd: '/workspace' });
 */
export class BashGrader extends Grader<BashGraderParams> {
  readonly name: string = 'BashGrader';
  readonly #executor: CommandExecutor;
  readonly #env: Readonly<Record<string, string>> | undefined;

  constructor(options: BashGraderOptions = {}) {
    super();
    this.#executor = options.executor ?? new LocalCommandExecutor();
    this.#env = options.env;
  }

  /**
   * @throws GraderError `invalid_argument` when `command` is missing/empty or `timeoutMs` is not positive;
   *   rejects with the abort reason when `signal` aborts.
   */
  protected async computeScore(params: BashGraderParams, context: GradeContext): Promise<SubScore> {
    const { command, cwd } = params;
    if (!isCommand(command)) {
      throw new GraderError(
        'invalid_argument',
        'BashGrader: command is required (a non-empty script string or argv array of strings)',
      );
    }
    const timeoutMs = params.timeoutMs ?? DEFAULT_BASH_TIMEOUT_MS;
    if (!(timeoutMs > 0)) {
      throw new GraderError(
        'invalid_argument',
        `BashGrader: timeoutMs must be > 0, got ${timeoutMs}`,
      );
    }
    let outcome: CommandOutcome;
    try {
      outcome = await this.#executor.run(command, {
        cwd,
        timeoutMs,
        env: this.#env,
        signal: context.signal,
      });
    } catch (error) {
      if (context.signal?.aborted) throw error;
      return this.#failure(error);
    }
    const { stdout, stderr } = outcome;
    if (outcome.timedOut) {
      return subscore({
        name: this.name,
        value: 0,
        info: { exit_code: null, stdout, stderr, timed_out: true, timeout: timeoutMs / 1000 },
      });
    }
    // hud-python treats a missing return code as 1.
    const exitCode = outcome.exitCode ?? 1;
    return subscore({
      name: this.name,
      value: exitCode === 0 ? 1 : 0,
      info: { exit_code: exitCode, stdout, stderr },
    });
  }

  #failure(error: unknown): SubScore {
    const message = errorMessage(error);
    const code = GraderError.isInstance(error) ? error.code : 'spawn_failed';
    return errorSubScore({
      name: this.name,
      message: `BashGrader could not run the command: ${message}`,
      info: {
        exit_code: null,
        stdout: '',
        stderr: code === 'command_not_found' ? message : '',
        timed_out: false,
        error_code: code,
      },
    });
  }
}
