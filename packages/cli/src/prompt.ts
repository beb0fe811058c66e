import { createInterface } from 'node:readline/promises';

/** Where {@link ask} reads and writes (default: stdin, the prompt on stderr). */
export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Whether to treat the streams as a terminal (default: whether `output` is one). */
  terminal?: boolean;
}

/**
 * Asks `question` on the terminal (the prompt on stderr, so stdout stays the command's output); the answer,
 * trimmed.
 * @throws Error `interrupted` when Ctrl-C is pressed at the prompt (readline would otherwise only pause the
 *   input and the question would never be answered).
 */
export async function ask(
  question: string,
  io: PromptIo = { input: process.stdin, output: process.stderr },
): Promise<string> {
  const prompt = createInterface({
    input: io.input,
    output: io.output,
    ...(io.terminal === undefined ? {} : { terminal: io.terminal }),
  });
  const interrupted = new AbortController();
  prompt.once('SIGINT', () => interrupted.abort(new Error('interrupted')));
  try {
    return (await prompt.question(question, { signal: interrupted.signal })).trim();
  } catch (error) {
    if (interrupted.signal.aborted) throw interrupted.signal.reason;
    throw error;
  } finally {
    prompt.close();
  }
}

/**
 * Asks `question [y/N]` and resolves true for `y`/`yes`; true at once when `yes` (`-y`/`--yes`) is set.
 * @throws Error with the `refusal` message when stdin is not a terminal and `yes` is not set: nobody could
 *   answer, and going ahead unasked is not safe.
 */
export async function confirm(
  question: string,
  options: { yes?: boolean | undefined; refusal: string },
): Promise<boolean> {
  if (options.yes) return true;
  if (process.stdin.isTTY !== true) throw new Error(options.refusal);
  return /^y(es)?$/i.test(await ask(`${question} [y/N] `));
}
