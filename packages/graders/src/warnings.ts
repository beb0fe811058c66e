/**
 * Codes of the authoring warnings hud-python emits with `warnings.warn` (hud-python 0.6.16
 * `hud/graders/results.py` and `combine.py`):
 * - `duplicate_subscore_names`: two sub-scores of one result share a name.
 * - `weights_not_normalized`: positive sub-score weights of a result do not sum to 1 ± 0.01.
 * - `reward_mismatch`: `Σ value·weight` of the sub-scores differs from `reward` by more than 0.01.
 * - `combine_weights_not_normalized`: `combine` received positive weights not summing to 1 ± 0.01 and
 *   normalised them.
 */
export type GraderWarningCode =
  | 'duplicate_subscore_names'
  | 'weights_not_normalized'
  | 'reward_mismatch'
  | 'combine_weights_not_normalized';

/** An authoring warning: never a failure, reported only to an {@link WarningHandler} the caller passes. */
export interface GraderWarning {
  code: GraderWarningCode;
  /** Human-readable text, worded as hud-python's warning. */
  message: string;
}

/** Receives {@link GraderWarning}s (libraries never print); e.g. `(w) => logger.warn(w.message)`. */
export type WarningHandler = (warning: GraderWarning) => void;

/** Options of the functions that can warn. */
export interface WarningOptions {
  /** Called once per warning; warnings are dropped when absent. */
  onWarning?: WarningHandler | undefined;
}
