import { isRecord, type SubScore } from '@hud/protocol';
import type { ZodType } from 'zod';
import { jsonEqual } from './json-equal.js';
import { subscore } from './results.js';

interface JsonMatchCommon {
  /** Name of the returned sub-score; default `"json_match"`. */
  name?: string | undefined;
  /** Weight of the returned sub-score; default 1. */
  weight?: number | undefined;
}

/** Compare the parsed answer with an expected JSON value. */
export interface JsonMatchExpected extends JsonMatchCommon {
  expected: unknown;
  schema?: undefined;
}

/** Validate the parsed answer with a zod schema. */
export interface JsonMatchSchema extends JsonMatchCommon {
  schema: ZodType;
  expected?: undefined;
}

/** Options of {@link jsonMatch}: exactly one of `expected` or `schema`. */
export type JsonMatchOptions = JsonMatchExpected | JsonMatchSchema;

const FENCED = /```[\w-]*[^\S\n]*\n?([\s\S]*?)```/;

type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

function tryParse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/**
 * The JSON value in an agent's answer: a non-string answer is taken as already parsed; a string is parsed
 * as is, else the first ```` ``` ```` / ```` ```json ```` fenced block, else the span from the first `{`/`[`
 * to the last `}`/`]`.
 */
export function parseJsonAnswer(answer: unknown): Parsed {
  if (typeof answer !== 'string') {
    return answer === undefined ? { ok: false, reason: 'no answer' } : { ok: true, value: answer };
  }
  const text = answer.trim();
  const direct = tryParse(text);
  if (direct.ok) return direct;
  const fenced = FENCED.exec(text);
  if (fenced) {
    const inner = tryParse((fenced[1] as string).trim());
    if (inner.ok) return inner;
  }
  const start = text.search(/[[{]/);
  const end = Math.max(text.lastIndexOf('}'), text.lastIndexOf(']'));
  if (start !== -1 && end > start) {
    const span = tryParse(text.slice(start, end + 1));
    if (span.ok) return span;
  }
  return direct;
}

/**
 * Grades a JSON answer (hud-ts only; hud-python has no JSON helper). The answer is parsed with
 * {@link parseJsonAnswer} (fences and surrounding prose tolerated); unparseable → value 0 with
 * `info.reason`.
 * - `expected` a non-empty object: partial credit per top-level key of `expected` — one child
 *   `{name: key, value: 1|0, weight: 1/n}` per key (deep JSON equality), `value = matched / n`; keys the
 *   answer adds are ignored.
 * - `expected` anything else: value 1 iff deep JSON equality.
 * - `schema`: value 1 iff `schema.safeParse` succeeds; `info.issues` lists `{path, message}` otherwise.
 * @example jsonMatch('```json\n{"a": 1, "b": 2}\n```', { expected: { a: 1, b: 3 } }).value // 0.5
 */
export function jsonMatch(answer: unknown, options: JsonMatchOptions): SubScore {
  const name = options.name ?? 'json_match';
  const weight = options.weight ?? 1;
  const parsed = parseJsonAnswer(answer);
  if (!parsed.ok) {
    return subscore({
      name,
      weight,
      value: 0,
      info: { reason: `answer is not valid JSON: ${parsed.reason}` },
    });
  }
  if (options.schema !== undefined) {
    const result = options.schema.safeParse(parsed.value);
    if (result.success) return subscore({ name, weight, value: 1 });
    const issues = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    return subscore({
      name,
      weight,
      value: 0,
      info: { reason: 'schema validation failed', issues },
    });
  }
  const { expected } = options;
  if (isRecord(expected) && Object.keys(expected).length > 0) {
    const keys = Object.keys(expected);
    const actual = isRecord(parsed.value) ? parsed.value : undefined;
    const children = keys.map((key) =>
      subscore({
        name: key,
        weight: 1 / keys.length,
        value:
          actual && Object.hasOwn(actual, key) && jsonEqual(actual[key], expected[key]) ? 1 : 0,
      }),
    );
    const matched = children.filter((child) => child.value === 1).length;
    const info = actual ? null : { reason: 'answer is not a JSON object' };
    return subscore({ name, weight, value: matched / keys.length, children, info });
  }
  return subscore({ name, weight, value: jsonEqual(parsed.value, expected) ? 1 : 0 });
}
