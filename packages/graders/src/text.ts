import { answerText, asciiDigits, PY_SPACE, PY_WORD, pySplit, pyStrip } from './python-text.js';

const PUNCTUATION = new RegExp(`[^${PY_WORD}${PY_SPACE}]`, 'gu');
// Python's `\b(a|an|the)\b`: a boundary against Python's Unicode word characters, not JavaScript's ASCII `\b`.
const ARTICLES = new RegExp(`(?<![${PY_WORD}])(?:a|an|the)(?![${PY_WORD}])`, 'giu');
const WHITESPACE = new RegExp(`[${PY_SPACE}]+`, 'gu');
const NUMBER = /-?\p{Nd}+\.?\p{Nd}*/u;

/** Options of {@link exactMatch}. */
export interface ExactMatchOptions {
  /** Compare {@link normalize}d texts (default `true`); when false, compare `strip().lower()`. */
  normalizeText?: boolean | undefined;
}

/** Options of {@link contains}, {@link containsAny} and {@link containsAll}. */
export interface ContainsOptions {
  /** Default `false`: both sides are lower-cased first. */
  caseSensitive?: boolean | undefined;
}

/** Options of {@link numericMatch}. */
export interface NumericMatchOptions {
  /** Largest accepted absolute difference; default 0. */
  tolerance?: number | undefined;
}

/**
 * Normalises text for comparison: lower-case → every character that is neither a word character nor
 * whitespace becomes a space → the articles `a`, `an`, `the` are removed as whole words → whitespace runs
 * collapse to one space → strip. Word characters and whitespace are Python 3's Unicode classes (see
 * `python-text.ts`), so `normalize('Café')` keeps `é` and a combining accent becomes a space.
 * Non-strings: `null`/`undefined` → `''`, others via `String()` or JSON.
 * Source: hud-python 0.6.16 `hud/graders/text.py` `normalize`.
 * @example normalize('  The Answer is: 42! ') // 'answer is 42'
 */
export function normalize(text: unknown): string {
  const lowered = answerText(text).toLowerCase();
  return pyStrip(lowered.replace(PUNCTUATION, ' ').replace(ARTICLES, ' ').replace(WHITESPACE, ' '));
}

/**
 * 1 when `answer` equals `expected` after {@link normalize} (or, with `normalizeText: false`, after
 * Python `strip().lower()`), else 0. Source: hud-python 0.6.16 `exact_match`.
 */
export function exactMatch(
  answer: unknown,
  expected: string,
  options: ExactMatchOptions = {},
): number {
  if (options.normalizeText ?? true) return normalize(answer) === normalize(expected) ? 1 : 0;
  const left = pyStrip(answerText(answer)).toLowerCase();
  return left === pyStrip(expected).toLowerCase() ? 1 : 0;
}

function prepare(answer: unknown, needles: readonly string[], options: ContainsOptions) {
  const text = answerText(answer);
  if (options.caseSensitive) return { text, needles };
  return { text: text.toLowerCase(), needles: needles.map((needle) => needle.toLowerCase()) };
}

/**
 * 1 when `answer` contains `substring` (case-insensitive unless `caseSensitive`), else 0; the empty
 * substring is always contained. Source: hud-python 0.6.16 `contains`.
 */
export function contains(
  answer: unknown,
  substring: string,
  options: ContainsOptions = {},
): number {
  const { text, needles } = prepare(answer, [substring], options);
  return text.includes(needles[0] as string) ? 1 : 0;
}

/**
 * 1 when `answer` contains at least one of `substrings` (0 for an empty list).
 * Source: hud-python 0.6.16 `contains_any`.
 */
export function containsAny(
  answer: unknown,
  substrings: readonly string[],
  options: ContainsOptions = {},
): number {
  const { text, needles } = prepare(answer, substrings, options);
  return needles.some((needle) => text.includes(needle)) ? 1 : 0;
}

/**
 * 1 when `answer` contains every one of `substrings` (1 for an empty list).
 * Source: hud-python 0.6.16 `contains_all`.
 */
export function containsAll(
  answer: unknown,
  substrings: readonly string[],
  options: ContainsOptions = {},
): number {
  const { text, needles } = prepare(answer, substrings, options);
  return needles.every((needle) => text.includes(needle)) ? 1 : 0;
}

/**
 * 1 when the first number in `answer` — the first match of Python's `-?\d+\.?\d*`, where `\d` is any
 * Unicode decimal digit — is within `tolerance` of `expected`, else 0 (also 0 when there is no number).
 * Exponents and thousands separators are not read (`'1e5'` → 1, `'1,000'` → 1), as in Python.
 * Source: hud-python 0.6.16 `numeric_match`.
 */
export function numericMatch(
  answer: unknown,
  expected: number,
  options: NumericMatchOptions = {},
): number {
  const match = NUMBER.exec(answerText(answer));
  if (!match) return 0;
  const found = Number(asciiDigits(match[0]));
  return Math.abs(found - expected) <= (options.tolerance ?? 0) ? 1 : 0;
}

/**
 * Token-level F1 in `[0, 1]` between `answer` and `reference`: tokens are `normalize(text).split()`, the
 * overlap counts each token at most as often as it occurs in both (multiset intersection), and
 * `F1 = 2·P·R / (P + R)`; 0 when either side has no tokens or nothing overlaps.
 * Source: hud-python 0.6.16 `f1_score`.
 * @example f1Score('The capital is Paris, France', 'Paris') // 0.4
 */
export function f1Score(answer: unknown, reference: string): number {
  const predicted = pySplit(normalize(answer));
  const expected = pySplit(normalize(reference));
  if (predicted.length === 0 || expected.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of predicted) {
    const remaining = counts.get(token) ?? 0;
    if (remaining > 0) {
      common += 1;
      counts.set(token, remaining - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / predicted.length;
  const recall = common / expected.length;
  return (2 * precision * recall) / (precision + recall);
}
