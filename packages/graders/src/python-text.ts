/**
 * Python `str` semantics the text helpers need, for strings as Python 3.11 sees them.
 * Checked with python3 3.11.7 (Unicode 14): `str.isspace()` is exactly the set below, and the `re` classes
 * `\w` = `[\p{L}\p{N}_]`, `\d` = `\p{Nd}` for str patterns. JavaScript's `\s`/`trim()` differ (they include
 * U+FEFF and exclude U+001C–U+001F and U+0085), and JavaScript's `\w`/`\b` are ASCII-only.
 */

/** Body of a character class matching Python's Unicode whitespace (`str.isspace`, `re` `\s`). */
export const PY_SPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Body of a character class matching Python's Unicode `\w`. */
export const PY_WORD = '\\p{L}\\p{N}_';

const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`, 'u');
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, 'u');
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'u');
const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * The text of an answer: strings as they are, `null`/`undefined` as `''` (hud-python would write `"None"`),
 * numbers, booleans and bigints via `String()`, anything else as compact JSON (falling back to `String()`).
 */
export function answerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json;
    } catch {
      // Cycles or BigInt inside: fall through to String().
    }
  }
  return String(value);
}

/** Python `s.strip()`: removes leading and trailing Python whitespace. */
export function pyStrip(text: string): string {
  return text.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '');
}

/** Python `s.split()`: splits on runs of Python whitespace, dropping empty strings. */
export function pySplit(text: string): string[] {
  const stripped = pyStrip(text);
  return stripped === '' ? [] : stripped.split(SPACE_RUN);
}

function isDecimalDigit(codePoint: number): boolean {
  return codePoint >= 0 && DECIMAL_DIGIT.test(String.fromCodePoint(codePoint));
}

/**
 * Replaces every Unicode decimal digit (`\p{Nd}`) with its ASCII digit, as Python's `float()` reads them.
 * Unicode encodes each decimal digit set as a run of ten code points from 0 to 9 (Unicode Standard §4.6),
 * so a digit's value is its distance from the start of its run of consecutive digits, modulo 10.
 */
export function asciiDigits(text: string): string {
  let out = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    if (codePoint < 0x80 || !isDecimalDigit(codePoint)) {
      out += char;
      continue;
    }
    let start = codePoint;
    while (isDecimalDigit(start - 1)) start -= 1;
    out += String((codePoint - start) % 10);
  }
  return out;
}

/** Python `len(s)`-based slice `s[:count]`, counting code points rather than UTF-16 units. */
export function pyHead(text: string, count: number): string {
  return Array.from(text).slice(0, count).join('');
}
