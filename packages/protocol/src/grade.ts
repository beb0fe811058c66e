import { pyFloat } from './python-json.js';
import type { JsonObject } from './schemas.js';

/**
 * A named, weighted component of a grade (hud-python `SubScore`, spec §4.1).
 * `value` is in `[0, 1]`; a negative `weight` is a penalty.
 */
export interface SubScore {
  name: string;
  /** Default 1.0. */
  weight: number;
  value: number;
  children?: SubScore[] | null;
  info?: JsonObject | null;
}

/**
 * A full grade (hud-python `EvaluationResult`, spec §4.1): `reward` (renamed `score` on the wire), `done`,
 * `content`, `info`, `isError` (an infrastructure failure, distinct from a real 0) and `subscores`.
 * Extra keys are allowed and pass through to the wire.
 */
export interface EvaluationResult {
  reward: number;
  done?: boolean;
  content?: string | null;
  info?: JsonObject;
  isError?: boolean;
  subscores?: SubScore[] | null;
  [extra: string]: unknown;
}

const EVALUATION_KEYS = new Set(['reward', 'done', 'content', 'info', 'isError', 'subscores']);

/** The wire form of a sub-score: floats marked so they print as Python floats (`1.0`). */
export function subScoreToWire(subscore: SubScore): Record<string, unknown> {
  return {
    name: subscore.name,
    weight: pyFloat(subscore.weight ?? 1),
    value: pyFloat(subscore.value),
    children: subscore.children ? subscore.children.map(subScoreToWire) : null,
    info: subscore.info ?? null,
  };
}

/**
 * The `tasks.grade` result for an EvaluationResult, key for key as hud-python writes it:
 * `model_dump(mode="json")` with `reward` popped and re-added last as `score`, i.e.
 * `{done, content, info, isError, subscores, <extra keys>, score}` (nulls kept).
 * @throws RangeError when `reward` or a sub-score number is NaN or infinite.
 */
export function evaluationToWire(result: EvaluationResult): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    done: result.done ?? true,
    content: result.content ?? null,
    info: result.info ?? {},
    isError: result.isError ?? false,
    subscores: result.subscores ? result.subscores.map(subScoreToWire) : null,
  };
  for (const [key, value] of Object.entries(result)) {
    if (!EVALUATION_KEYS.has(key) && value !== undefined) wire[key] = value;
  }
  wire.score = pyFloat(result.reward);
  return wire;
}
