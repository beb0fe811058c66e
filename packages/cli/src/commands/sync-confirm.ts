import { createInterface } from 'node:readline/promises';

/**
 * Asks `question` on the terminal and resolves true for `y`/`yes`. Unless `yes` (`-y`), a stdin that is not
 * a terminal is refused: nobody could answer.
 * @throws Error naming `action` and `-y` when stdin is not a terminal and `yes` is not set.
 */
export async function confirm(question: string, options: { yes?: boolean; action: string }) {
  if (options.yes) return true;
  if (!process.stdin.isTTY) {
    throw new Error(
      `${options.action}: not asking for confirmation because stdin is not a terminal; pass -y to go ahead`,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
