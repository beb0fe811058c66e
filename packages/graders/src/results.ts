import { type EvaluationResult, isRecord, type JsonObject, type SubScore } from '@hud/protocol';
import { GraderError } from './errors.js';
import type { WarningOptions } from './warnings.js';

/** Fields accepted by {@link subscore}; `metadata` is accepted as an alias of `info`, as in hud-python. */
export interface SubScoreInit {
  name: string;
  /** Value in `[0, 1]`. */
  value: number;
  /** Default 1.0; a negative weight is a penalty. */
  weight?: number | undefined;
  children?: readonly SubScore[] | null | undefined;
  info?: JsonObject | null | undefined;
  /** Alias of `info` (hud-python input alias); give one of the two. */
  metadata?: JsonObject | null | undefined;
}

function invalid(message: string): GraderError {
  return new GraderError('invalid_argument', message);
}

/**
 * Checks that `value` is a well-formed sub-score: string `name`, finite `weight`, `value` in `[0, 1]`,
 * `children` (recursively valid) and `info` an object or null. Returns it unchanged.
 * Source: hud-python 0.6.16 `SubScore` (pydantic, `value: Field(ge=0.0, le=1.0)`).
 * @throws GraderError `invalid_argument` naming the offending field and sub-score.
 */
export function validateSubScore(value: unknown, path = 'subscore'): SubScore {
  if (!isRecord(value)) throw invalid(`${path} must be an object, got ${typeof value}`);
  const { name, weight, children, info } = value;
  if (typeof name !== 'string') throw invalid(`${path}.name must be a string`);
  const label = `${path} "${name}"`;
  if (typeof value.value !== 'number' || !(value.value >= 0 && value.value <= 1)) {
    throw invalid(`${label}: value must be a number in [0, 1], got ${String(value.value)}`);
  }
  if (typeof weight !== 'number' || !Number.isFinite(weight)) {
    throw invalid(`${label}: weight must be a finite number, got ${String(weight)}`);
  }
  if (children !== undefined && children !== null) {
    if (!Array.isArray(children)) throw invalid(`${label}: children must be an array or null`);
    children.forEach((child, index) => {
      validateSubScore(child, `${label}.children[${index}]`);
    });
  }
  if (info !== undefined && info !== null && !isRecord(info)) {
    throw invalid(`${label}: info must be an object or null`);
  }
  return value as unknown as SubScore;
}

/**
 * Builds a validated sub-score `{name, weight, value, children, info}` (absent `children`/`info` become
 * `null`, as hud-python dumps them).
 * Source: hud-python 0.6.16 `hud/graders/results.py` `SubScore`.
 * @throws GraderError `invalid_argument` when `value` is outside `[0, 1]` (or NaN), `weight` is not finite,
 *   or both `info` and `metadata` are given.
 * @example subscore({ name: 'tests', value: 1, weight: 0.6 })
 */
export function subscore(init: SubScoreInit): SubScore {
  if (init.info != null && init.metadata != null) {
    throw invalid(`subscore "${init.name}": give info or its alias metadata, not both`);
  }
  return validateSubScore({
    name: init.name,
    weight: init.weight ?? 1,
    value: init.value,
    children: init.children ? [...init.children] : null,
    info: init.info ?? init.metadata ?? null,
  });
}

/**
 * Fields accepted by {@link evaluation}: every EvaluationResult field is optional (hud-python defaults
 * `reward=0.0, done=true, content=null, info={}, isError=false, subscores=null`); extra keys pass through.
 */
export type EvaluationInit = Partial<EvaluationResult>;

/**
 * Builds an EvaluationResult with hud-python's defaults and validation: `reward` must be a finite number
 * (JSON cannot carry NaN/Infinity) and every sub-score must be valid. Like hud-python's model validator it
 * then *warns* — through `options.onWarning`, never by failing — on duplicate sub-score names, positive
 * weights not summing to 1 ± 0.01, and `Σ value·weight` differing from `reward` by more than 0.01.
 * Source: hud-python 0.6.16 `EvaluationResult._check_subscores`.
 * @throws GraderError `invalid_argument` for a non-finite `reward` or an invalid sub-score.
 * @example evaluation({ reward: 0.6, subscores: [subscore({ name: 'tests', value: 1, weight: 0.6 }), …] })
 */
export function evaluation(
  init: EvaluationInit = {},
  options: WarningOptions = {},
): EvaluationResult {
  const result: EvaluationResult = {
    ...init,
    reward: init.reward ?? 0,
    done: init.done ?? true,
    content: init.content ?? null,
    info: init.info ?? {},
    isError: init.isError ?? false,
    subscores: init.subscores ? [...init.subscores] : null,
  };
  if (typeof result.reward !== 'number' || !Number.isFinite(result.reward)) {
    throw invalid(`evaluation reward must be a finite number, got ${String(result.reward)}`);
  }
  result.subscores?.forEach((item, index) => {
    validateSubScore(item, `subscores[${index}]`);
  });
  if (options.onWarning && result.subscores && result.subscores.length > 0) {
    warnAboutSubScores(result.reward, result.subscores, options.onWarning);
  }
  return result;
}

function warnAboutSubScores(
  reward: number,
  subscores: readonly SubScore[],
  onWarning: NonNullable<WarningOptions['onWarning']>,
): void {
  const names = subscores.map((item) => item.name);
  const duplicates = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
  if (duplicates.length > 0) {
    const listed = duplicates.map((name) => `'${name}'`).join(', ');
    onWarning({
      code: 'duplicate_subscore_names',
      message: `Duplicate subscore names: {${listed}}`,
    });
  }
  // Left-to-right sums, as Python 3.11's sum() (3.12+ compensates, which can differ in the last ulp).
  let positiveWeightSum = 0;
  let weightedSum = 0;
  for (const item of subscores) {
    if (item.weight > 0) positiveWeightSum += item.weight;
    weightedSum += item.value * item.weight;
  }
  if (Math.abs(positiveWeightSum - 1) > 0.01) {
    onWarning({
      code: 'weights_not_normalized',
      message:
        `Positive subscore weights should sum to ~1.0 (got ${positiveWeightSum.toFixed(4)}). ` +
        'Weights represent proportional contributions to the reward.',
    });
  }
  if (Math.abs(weightedSum - reward) > 0.01) {
    onWarning({
      code: 'reward_mismatch',
      message:
        `Subscores don't match reward: sum(value*weight)=${weightedSum.toFixed(4)} ` +
        `but reward=${reward.toFixed(4)}`,
    });
  }
}

/**
 * `EvaluationResult.from_float(v)`: `{reward: v, done: true}` with the other defaults.
 * @throws GraderError `invalid_argument` when `reward` is not finite.
 */
export function evaluationFromFloat(reward: number): EvaluationResult {
  return evaluation({ reward, done: true });
}

/**
 * A sub-score without `info`, recursively (hud-python `SubScore.to_summary()`, used for the persisted
 * `evaluation`): `{name, weight, value, children}`.
 */
export function toSummary(item: SubScore): Omit<SubScore, 'info'> {
  return {
    name: item.name,
    weight: item.weight,
    value: item.value,
    children: item.children ? item.children.map(toSummary) : null,
  };
}
