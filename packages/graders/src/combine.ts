import type { EvaluationResult, JsonObject, SubScore } from '@hud/protocol';
import { errorMessageOf, isErrorResult } from './error-result.js';
import { GraderError } from './errors.js';
import { evaluation, validateSubScore } from './results.js';
import type { WarningOptions } from './warnings.js';

/** What {@link combine} accepts: a sub-score, or a promise of one (e.g. `grader.grade({...})`). */
export type SubScoreInput = SubScore | PromiseLike<SubScore>;

/**
 * Stable unique names: a name used once is kept; every occurrence of a repeated name becomes `name-1`,
 * `name-2`, … skipping any candidate that is taken or is another input's name.
 * Source: hud-python 0.6.16 `hud/graders/combine.py` `_dedupe_subscore_names` (so `[a, a]` → `[a-1, a-2]`).
 */
export function dedupeSubScoreNames(subscores: readonly SubScore[]): string[] {
  const counts = new Map<string, number>();
  for (const item of subscores) counts.set(item.name, (counts.get(item.name) ?? 0) + 1);
  const reserved = new Set(subscores.map((item) => item.name));
  const usage = new Map<string, number>();
  const used = new Set<string>();
  return subscores.map((item) => {
    let finalName = item.name;
    if (counts.get(item.name) !== 1 || used.has(item.name)) {
      let suffix = usage.get(item.name) ?? 0;
      do {
        suffix += 1;
        finalName = `${item.name}-${suffix}`;
      } while (used.has(finalName) || reserved.has(finalName));
      usage.set(item.name, suffix);
    }
    used.add(finalName);
    return finalName;
  });
}

/**
 * Resolves sub-scores and promises of sub-scores concurrently (order preserved) and combines them into one
 * EvaluationResult, with hud-python's arithmetic: positive weights are normalised to sum to 1 (a warning
 * `combine_weights_not_normalized` is reported when they did not already sum to 1 ± 0.01), negative weights
 * are kept as penalties, names are de-duplicated ({@link dedupeSubScoreNames}) and
 * `reward = Σ value·normalisedWeight`, not clamped (penalties can take it below 0).
 *
 * If any sub-score is an error sub-score (see `errorSubScore`), the result is still computed but marked
 * `isError: true`, with `content` naming the failed graders and `info.errors = {<name>: <message>}`.
 *
 * Source: hud-python 0.6.16 `combine(*items)` / `_combine_subscores` (Python takes varargs; we take an array
 * so options can follow).
 * @throws GraderError `invalid_argument` when `items` is empty, has no positive weight, or holds something
 *   that is not a valid sub-score; rejects with the first rejection of a pending item.
 * @example
 * const result = await combine([
 *   bash.grade({ weight: 0.4, command: 'pytest -q' }),
 *   subscore({ name: 'answer', value: exactMatch(answer, '42'), weight: 0.6 }),
 * ]);
 */
export async function combine(
  items: readonly SubScoreInput[],
  options: WarningOptions = {},
): Promise<EvaluationResult> {
  // Await everything first (Promise.all observes every rejection), then validate what came back.
  const resolved: unknown[] = await Promise.all(items);
  resolved.forEach((item, index) => {
    validateSubScore(item, `combine item ${index}`);
  });
  return combineSubScores(resolved as SubScore[], options);
}

function combineSubScores(
  subscores: readonly SubScore[],
  options: WarningOptions,
): EvaluationResult {
  if (subscores.length === 0) {
    throw new GraderError('invalid_argument', 'combine: subscores must not be empty');
  }
  let positiveWeightSum = 0;
  for (const item of subscores) if (item.weight > 0) positiveWeightSum += item.weight;
  if (positiveWeightSum <= 0) {
    throw new GraderError(
      'invalid_argument',
      'combine: subscores must include at least one positive weight',
    );
  }
  if (Math.abs(positiveWeightSum - 1) > 0.01) {
    options.onWarning?.({
      code: 'combine_weights_not_normalized',
      message:
        `grader weights sum to ${positiveWeightSum.toFixed(4)}, not 1.0; normalizing, but the effective ` +
        'weights differ from what you set. Make the positive weights sum to 1.0 to silence this.',
    });
  }
  const names = dedupeSubScoreNames(subscores);
  const normalized = subscores.map((item, index) => ({
    ...item,
    name: names[index] as string,
    weight: item.weight > 0 ? item.weight / positiveWeightSum : item.weight,
  }));
  let reward = 0;
  for (const item of normalized) reward += item.value * item.weight;

  const errors: JsonObject = {};
  for (const item of normalized) {
    if (isErrorResult(item)) errors[item.name] = errorMessageOf(item) ?? 'grader failed';
  }
  const failed = Object.keys(errors);
  if (failed.length === 0) {
    return evaluation({ reward, done: true, subscores: normalized }, options);
  }
  return evaluation(
    {
      reward,
      done: true,
      subscores: normalized,
      isError: true,
      content: `grading failed: ${failed.map((name) => `${name}: ${String(errors[name])}`).join('; ')}`,
      info: { errors },
    },
    options,
  );
}

/** Options of {@link combineAny} and {@link combineAll}. */
export interface CombineBooleanOptions {
  /** Weight of the returned sub-score. */
  weight: number;
  /** The inputs; kept, with de-duplicated names, as `children`. */
  subscores: readonly SubScore[];
  /** Name of the returned sub-score; default `"any"` / `"all"`. */
  name?: string | undefined;
}

function booleanSubScore(
  options: CombineBooleanOptions,
  defaultName: string,
  pick: (values: number[]) => number,
  decided: (value: number) => boolean,
): SubScore {
  const { subscores, weight } = options;
  if (subscores.length === 0) {
    throw new GraderError(
      'invalid_argument',
      `combine_${defaultName}: subscores must not be empty`,
    );
  }
  subscores.forEach((item, index) => {
    validateSubScore(item, `combine_${defaultName} item ${index}`);
  });
  const names = dedupeSubScoreNames(subscores);
  const children = subscores.map((item, index) => ({ ...item, name: names[index] as string }));
  const value = pick(subscores.map((item) => item.value));
  const result: SubScore = {
    name: options.name ?? defaultName,
    weight,
    value,
    children,
    info: null,
  };
  // An errored child only taints the result when its unknown true value could have changed it.
  const failed = children.filter((child) => isErrorResult(child));
  if (failed.length === 0) return result;
  const healthy = children.filter((child) => !isErrorResult(child)).map((child) => child.value);
  if (healthy.length > 0 && decided(pick(healthy))) return result;
  const message = failed
    .map((child) => `${child.name}: ${errorMessageOf(child) ?? 'grader failed'}`)
    .join('; ');
  return { ...result, info: { error: message, isError: true } };
}

/**
 * A sub-score that passes if any input passes: `value = max(values)`, inputs kept as `children` (names
 * de-duplicated). An error child makes the result an error sub-score unless another child already has
 * value 1. Source: hud-python 0.6.16 `combine_any(weight, subscores, *, name="any")`.
 * @throws GraderError `invalid_argument` when `subscores` is empty or holds an invalid sub-score.
 */
export function combineAny(options: CombineBooleanOptions): SubScore {
  return booleanSubScore(
    options,
    'any',
    (values) => Math.max(...values),
    (value) => value >= 1,
  );
}

/**
 * A sub-score that passes only if all inputs pass: `value = min(values)`, inputs kept as `children` (names
 * de-duplicated). An error child makes the result an error sub-score unless another child already has
 * value 0. Source: hud-python 0.6.16 `combine_all(weight, subscores, *, name="all")`.
 * @throws GraderError `invalid_argument` when `subscores` is empty or holds an invalid sub-score.
 */
export function combineAll(options: CombineBooleanOptions): SubScore {
  return booleanSubScore(
    options,
    'all',
    (values) => Math.min(...values),
    (value) => value <= 0,
  );
}
