import { createInterface } from 'node:readline/promises';

/** Asks `question` on the terminal (the prompt on stderr, so stdout stays the command's output); the answer, trimmed. */
export async function ask(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(question)).trim();
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
