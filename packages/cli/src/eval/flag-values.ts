/** `text` quoted for a POSIX shell when it holds anything but plain path characters. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * A whole-number flag value, or undefined when the flag is absent.
 * @throws Error naming the flag for anything but a whole number ≥ `minimum`.
 */
export function integer(value: string | undefined, flag: string, minimum = 1): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum)
    throw new Error(`${flag} must be a whole number ≥ ${minimum}, got '${value}'`);
  return number;
}

/**
 * A flag given in seconds, as ms; undefined when the flag is absent.
 * @throws Error naming the flag for anything but a positive number.
 */
export function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(number > 0))
    throw new Error(`${flag} must be a positive number of seconds, got '${value}'`);
  return number * 1000;
}

/** Repeated `K=V` flags (`--build-arg`, `--env`) as a record; a value may hold `=`. @throws Error naming a malformed pair. */
export function parsePairs(pairs: readonly string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new Error(`${flag} takes KEY=VALUE, got '${pair}'`);
    result[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return result;
}
