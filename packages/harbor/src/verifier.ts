import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HarborContainer } from './harbor-container.js';
import { readRewardFiles } from './reward-file.js';
import type { HarborVerifierConfig } from './task-config.js';

/** Characters of the verifier's output kept in a grade's `info` (hud-python keeps 4,000). */
export const OUTPUT_TAIL_CHARS = 4_000;

/** What {@link runVerifier} needs. */
export interface VerifyInput {
  /** Where `test.sh` runs: the agent's container, or a separate verifier's. */
  container: HarborContainer;
  /**
   * Host directories copied to `/tests`, in order (a later file of the same name wins). With `shared`,
   * `/tests` is emptied first and one of them must hold `test.sh`; a separate verifier's image already has
   * `/tests`, and these are laid over it.
   */
  testsDirs: readonly string[];
  /** Whether the verifier runs in the agent's container (`shared`) or in its own (`separate`). */
  mode: 'shared' | 'separate';
  /** Where `test.sh` was expected, named when a shared verifier has none. */
  testScript: string;
  config: HarborVerifierConfig;
  /** `[verifier].env` with `${VAR}`s resolved. */
  env: Readonly<Record<string, string>>;
  signal?: AbortSignal | undefined;
}

/** How one verification went. */
export interface VerifyOutcome {
  /** The metrics the verifier wrote; null when it gave no verdict. */
  rewards: Record<string, number> | null;
  /** Why there is no verdict (a missing or empty reward file, a timeout, no test.sh), else null. */
  error: string | null;
  /** Harbor's exception type for `error` (`RewardFileNotFoundError`, `VerifierTimeoutError`, …). */
  errorType: string | null;
  /** `test.sh`'s exit status (ignored for the reward, as Harbor ignores it); null on timeout. */
  exitCode: number | null;
  /** The tail of its combined stdout and stderr. */
  output: string;
  warnings: string[];
  startedAt: string;
  finishedAt: string;
}

/**
 * Runs a Harbor verifier (Harbor v0.22 `src/harbor/verifier/verifier.py`): empties `/logs/verifier`,
 * uploads `tests/` to `/tests` — for a step, the task's `tests/` and then the step's over it; for a separate
 * verifier, whose image has `/tests`, only a step's own files over it — runs `/tests/test.sh`
 * directly — its shebang picks the interpreter — as `[verifier].user` with `[verifier].env`, output also in
 * `/logs/verifier/test-stdout.txt`, within `[verifier].timeout_sec`; ignores its exit status and reads
 * `reward.json`, else `reward.txt`. No verdict (no test.sh, no or an empty reward file, a timeout) is an
 * outcome with `error`, never a reward of 0.
 * @throws the engine's errors when the container cannot be driven at all; the signal's reason.
 */
export async function runVerifier(input: VerifyInput): Promise<VerifyOutcome> {
  const { container, config } = input;
  const startedAt = new Date().toISOString();
  const outcome = (
    fields: Partial<VerifyOutcome> & Pick<VerifyOutcome, 'error' | 'errorType'>,
  ): VerifyOutcome => ({
    rewards: null,
    exitCode: null,
    output: '',
    warnings: [],
    startedAt,
    finishedAt: new Date().toISOString(),
    ...fields,
  });
  const shared = input.mode === 'shared';
  if (shared && !input.testsDirs.some((dir) => existsSync(path.join(dir, 'test.sh')))) {
    return outcome({
      error: `the task has no verifier: ${input.testScript} is missing`,
      errorType: 'VerifierScriptNotFoundError',
    });
  }
  await container.sh(
    'rm -rf /logs/verifier && mkdir -p /logs/verifier && chmod 777 /logs/verifier',
    'preparing /logs/verifier',
  );
  for (const [index, dir] of input.testsDirs.entries()) {
    // A step's tests/ goes over the task's (Harbor uploads both, the step's last); a shared verifier
    // starts from an empty /tests so an earlier step's files do not linger.
    await container.upload(dir, '/tests', { replace: shared && index === 0 });
  }
  const present = await container.exec({
    cmd: ['sh', '-c', '[ -f /tests/test.sh ] && chmod +x /tests/test.sh'],
    user: 'root',
  });
  if (present.exitCode !== 0) {
    return outcome({
      error: 'the verifier image has no /tests/test.sh',
      errorType: 'VerifierScriptNotFoundError',
    });
  }
  const run = await container.exec({
    // `exec`-ing the script itself lets its shebang choose the interpreter (sh runs a script without one).
    cmd: [
      'sh',
      '-c',
      '/tests/test.sh > /logs/verifier/test-stdout.txt 2>&1; rc=$?; cat /logs/verifier/test-stdout.txt 2>/dev/null; exit $rc',
    ],
    user: config.user,
    env: input.env,
    timeoutMs: config.timeoutSec * 1000,
    signal: input.signal,
    maxOutputBytes: 64 * 1024,
  });
  const output = `${run.stdout}${run.stderr}`.slice(-OUTPUT_TAIL_CHARS);
  if (run.timedOut) {
    return outcome({
      error: `the verifier timed out after ${config.timeoutSec} s ([verifier].timeout_sec)`,
      errorType: 'VerifierTimeoutError',
      output,
    });
  }
  const [json, txt] = await Promise.all([
    container.readFile('/logs/verifier/reward.json'),
    container.readFile('/logs/verifier/reward.txt'),
  ]);
  const reading = readRewardFiles(json, txt);
  if (!reading.ok) {
    const errorType =
      reading.kind === 'missing'
        ? 'RewardFileNotFoundError'
        : reading.kind === 'empty'
          ? 'RewardFileEmptyError'
          : 'VerifierOutputParseError';
    return outcome({ error: reading.message, errorType, exitCode: run.exitCode, output });
  }
  return outcome({
    rewards: reading.rewards,
    error: null,
    errorType: null,
    exitCode: run.exitCode,
    output,
    warnings: reading.warning ? [reading.warning] : [],
  });
}
