/**
 * Python-compatible JSON text: what `json.dumps` writes in hud-python 0.6.16, byte for byte.
 *
 * - Wire frames: `json.dumps(obj, separators=(",", ":"))` with the default `ensure_ascii=True`, so every
 *   non-ASCII UTF-16 code unit is written as a lowercase `\uXXXX` escape ({@link encodeCompact}).
 * - Slugs: `json.dumps(args, sort_keys=True, default=str)` with the default `", "` / `": "` separators
 *   ({@link dumpsSorted}).
 * - Floats: Python's `repr(float)` (`1.0`, `0.1`, `1e+20`, `1e-05`) ({@link formatPythonFloat}). JavaScript has
 *   one number type, so an integral number is written as a Python `int` unless wrapped with {@link pyFloat}.
 */

// Imported, not the global: Node defines `globalThis.Buffer` as a getter, looked up on every use.
import { Buffer } from 'node:buffer';

declare global {
  interface JSON {
    rawJSON(text: string): unknown;
    isRawJSON(value: unknown): boolean;
  }
}

const NON_ASCII = /[\u007f-\uffff]/g;

function escapeCodeUnit(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Replaces every UTF-16 code unit outside printable ASCII that JSON text leaves raw (DEL and above) with `\uXXXX`, as Python's `ensure_ascii` does (its escape class is `[^\ -~]`). */
export function asciiEscape(jsonText: string): string {
  // The common case, checked without a regex scan: a UTF-8 length equal to the UTF-16 length means no code
  // unit is 0x80 or above (a lone surrogate counts 3 bytes); DEL is the one ASCII character to escape.
  if (Buffer.byteLength(jsonText, 'utf8') === jsonText.length && !jsonText.includes('\x7f')) {
    return jsonText;
  }
  return jsonText.replace(NON_ASCII, escapeCodeUnit);
}

/**
 * Compact, ASCII-only JSON text of `value`, as hud-python writes frames (`separators=(",", ":")`).
 * Numbers wrapped with {@link pyFloat} are written in Python float form (`1.0`).
 * @throws TypeError for values JSON cannot represent (BigInt, cycles).
 */
export function encodeCompact(value: unknown): string {
  return asciiEscape(JSON.stringify(value));
}

/**
 * Python's `repr()` of a float: shortest round-trip digits, fixed notation when the decimal exponent is in
 * `(-4, 16]`, else `d.ddde±XX` (at least two exponent digits); integral values keep `.0`.
 * Source: CPython `Python/pystrtod.c` `format_float_short` (repr style `'r'`, `Py_DTSF_ADD_DOT_0`).
 */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const decimalPoint = Number(exponentText) + 1; // digits are 0.d1d2… × 10^decimalPoint
  if (decimalPoint > -4 && decimalPoint <= 16) {
    if (decimalPoint <= 0) return `${sign}0.${'0'.repeat(-decimalPoint)}${digits}`;
    if (decimalPoint >= digits.length) {
      return `${sign}${digits}${'0'.repeat(decimalPoint - digits.length)}.0`;
    }
    return `${sign}${digits.slice(0, decimalPoint)}.${digits.slice(decimalPoint)}`;
  }
  const exponent = decimalPoint - 1;
  const fraction = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${fraction}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
}

const RAW_ONE = JSON.rawJSON('1.0');
const RAW_ZERO = JSON.rawJSON('0.0');

/**
 * Marks a number as a Python `float` so the frame encoder writes `1.0`, not `1`.
 * The result is an opaque raw-JSON value: use it only in objects about to be encoded.
 * @throws RangeError for NaN and ±Infinity, which are not valid JSON.
 */
export function pyFloat(value: number): unknown {
  // Scores are almost always 0.0 or 1.0: reuse their (frozen) raw values.
  if (value === 1) return RAW_ONE;
  if (value === 0 && !Object.is(value, -0)) return RAW_ZERO;
  if (!Number.isFinite(value)) {
    throw new RangeError(`cannot send ${value} on the wire: JSON has no NaN or Infinity`);
  }
  return JSON.rawJSON(formatPythonFloat(value));
}

/** A number that Python would hold as a `float` even when integral; see {@link PyFloat.of}. */
export class PyFloat {
  readonly value: number;
  private constructor(value: number) {
    this.value = value;
  }
  /** Wraps `value` so {@link dumpsSorted} writes it as a Python float (`3.0`). */
  static of(value: number): PyFloat {
    return new PyFloat(value);
  }
}

function compareCodePoints(left: string, right: string): number {
  // Python sorts str keys by code point; JavaScript's default sort compares UTF-16 code units.
  const a = [...left];
  const b = [...right];
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index]?.codePointAt(0) ?? 0) - (b[index]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function dumpsNumber(value: number): string {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    return BigInt(value).toString();
  }
  return formatPythonFloat(value);
}

/** `json.dumps`' `separators`: between items and between a key and its value. */
export type PythonSeparators = readonly [item: string, key: string];

function dumpsValue(value: unknown, separators: PythonSeparators): string {
  const [item, key] = separators;
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return asciiEscape(JSON.stringify(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return dumpsNumber(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value instanceof PyFloat) return formatPythonFloat(value.value);
      if (Array.isArray(value))
        return `[${value.map((entry) => dumpsValue(entry, separators)).join(item)}]`;
      if (value instanceof Date) return asciiEscape(JSON.stringify(String(value)));
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => compareCodePoints(a, b));
      return `{${entries.map(([name, entry]) => `${asciiEscape(JSON.stringify(name))}${key}${dumpsValue(entry, separators)}`).join(item)}}`;
    }
    default:
      // Python's default=str: anything JSON cannot hold is written as its string form.
      return asciiEscape(JSON.stringify(String(value)));
  }
}

/**
 * `json.dumps(value, sort_keys=True, default=str, separators=separators)` exactly as CPython writes it:
 * separators `", "` and `": "` by default (`[",", ":"]` for the compact form), keys sorted by code point at
 * every depth, non-ASCII escaped (`ensure_ascii`), floats in `repr` form, integral numbers as ints,
 * `undefined` members dropped.
 */
export function dumpsSorted(value: unknown, separators: PythonSeparators = [', ', ': ']): string {
  return dumpsValue(value, separators);
}
