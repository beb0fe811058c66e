import { GraderError } from './errors.js';
import { answerText } from './python-text.js';

/** Options of {@link regexMatch}. */
export interface RegexMatchOptions {
  /** Require the pattern to match the whole answer (Python `re.fullmatch`); default `false` (search). */
  fullMatch?: boolean | undefined;
  /** Flags for a string pattern; default `'u'`. Ignored for a RegExp, whose own flags are used. */
  flags?: string | undefined;
}

/**
 * 1 when `pattern` matches `answer` (anywhere, or the whole answer with `fullMatch`), else 0. A RegExp's
 * `g`/`y` flags are dropped so repeated calls do not depend on `lastIndex`. Not in hud-python (hud-ts only).
 * Non-string answers are converted as in `normalize`.
 * @throws GraderError `invalid_argument` when a string pattern is not a valid regular expression.
 * @example regexMatch('Answer: 42', /\b42\b/) // 1
 */
export function regexMatch(
  answer: unknown,
  pattern: RegExp | string,
  options: RegexMatchOptions = {},
): number {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags =
    typeof pattern === 'string' ? (options.flags ?? 'u') : pattern.flags.replace(/[gy]/g, '');
  let regex: RegExp;
  try {
    regex = new RegExp(options.fullMatch ? `^(?:${source})$` : source, flags);
  } catch (error) {
    throw new GraderError('invalid_argument', `regexMatch: invalid pattern /${source}/${flags}`, {
      cause: error,
    });
  }
  return regex.test(answerText(answer)) ? 1 : 0;
}
