import type { EvaluationResult, JsonObject, SubScore } from '@hud/protocol';

/**
 * The result of a grading that could not be carried out (an infrastructure failure: provider down, working
 * directory missing), distinct from a real 0: `{reward: 0, done: true, isError: true, content: message,
 * info: {...info, error: message}}`. `isError` is the EvaluationResult field of hud-python 0.6.16.
 * @example return errorResult('judge provider unreachable', { provider: 'gateway' })
 */
export function errorResult(message: string, info: JsonObject = {}): EvaluationResult {
  return {
    reward: 0,
    done: true,
    content: message,
    info: { ...info, error: message },
    isError: true,
    subscores: null,
  };
}

/** Fields of {@link errorSubScore}. */
export interface ErrorSubScoreInit {
  name: string;
  /** What failed, where, and what to try; stored as `info.error`. */
  message: string;
  /** Default 1.0. */
  weight?: number | undefined;
  /** Extra details kept in `info` (e.g. `exit_code`, `status`). */
  info?: JsonObject | undefined;
}

/**
 * A sub-score for a grader that could not run: value 0 with `info.isError: true` and `info.error: message`.
 * SubScore has no `isError` field on the wire (hud-python's model forbids extra keys), so the mark lives in
 * `info`; `combine` turns any such sub-score into an `isError` EvaluationResult.
 */
export function errorSubScore(init: ErrorSubScoreInit): SubScore {
  return {
    name: init.name,
    weight: init.weight ?? 1,
    value: 0,
    children: null,
    info: { ...init.info, error: init.message, isError: true },
  };
}

/**
 * True when `result` records a failure to grade rather than a grade: an EvaluationResult with
 * `isError: true`, or a sub-score made by {@link errorSubScore} (`info.isError === true`).
 */
export function isErrorResult(result: EvaluationResult | SubScore): boolean {
  if ((result as EvaluationResult).isError === true) return true;
  const info = result.info;
  return typeof info === 'object' && info !== null && info.isError === true;
}

/** The `info.error` text of an error result, or `undefined`. */
export function errorMessageOf(result: EvaluationResult | SubScore): string | undefined {
  const error = result.info?.error;
  return typeof error === 'string' ? error : undefined;
}
