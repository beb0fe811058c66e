import type { JsonObject, SubScore } from '@hud/protocol';
import { GraderError } from './errors.js';
import { jsonSafeObject } from './json-safe.js';
import { subscore, validateSubScore } from './results.js';

/** Options every {@link Grader.grade} call takes, besides the grader's own parameters. */
export interface GradeOptions {
  /** Weight of the returned sub-score (required, as in hud-python); negative = penalty. */
  weight: number;
  /** Name of the returned sub-score; empty or absent → the grader's {@link Grader.name}. */
  name?: string | undefined;
  /** Aborts the grading (e.g. the task was cancelled); not recorded in `_parameters`. */
  signal?: AbortSignal | undefined;
}

/**
 * What {@link Grader.computeScore} may return: a sub-score, a bare value in `[0, 1]`, or a `[value, info]`
 * pair — the three shapes hud-python's `Grader.grade` accepts.
 */
export type ComputedScore = SubScore | number | readonly [number, JsonObject | null | undefined];

/** Per-call context passed to {@link Grader.computeScore}. */
export interface GradeContext {
  signal?: AbortSignal | undefined;
}

/**
 * Base class of reusable graders (hud-python 0.6.16 `hud/graders/base.py` `Grader`). A subclass sets
 * {@link Grader.name} and implements {@link Grader.computeScore}; callers use {@link Grader.grade}, which
 * coerces the computed score to a sub-score and returns a copy with `name = options.name || this.name`,
 * `weight = options.weight` and `info = {...info, _parameters: <json-safe grader parameters>}`.
 *
 * Configuration that must not be recorded (clients, keys, executors) belongs in the constructor; per-call
 * parameters (recorded in `_parameters`) are the fields of `Params`.
 * @example
 * class LengthGrader extends Grader<{ answer: string }> {
 *   readonly name = 'LengthGrader';
 *   protected computeScore({ answer }: { answer: string }) { return answer.length <= 280 ? 1 : 0; }
 * }
 * await new LengthGrader().grade({ weight: 0.2, answer }); // {name: 'LengthGrader', weight: 0.2, …}
 */
export abstract class Grader<Params extends object> {
  /** Default name of the returned sub-score (hud-python `cls.name`). */
  abstract readonly name: string;

  /**
   * Computes the score for `params`. Return an error sub-score (see `errorSubScore`) for infrastructure
   * failures; throw only for caller mistakes.
   */
  protected abstract computeScore(
    params: Params,
    context: GradeContext,
  ): Promise<ComputedScore> | ComputedScore;

  /**
   * Runs the grader and packages the result as a weighted sub-score whose `info._parameters` records the
   * parameters (everything in `options` except `weight`, `name` and `signal`).
   * @throws GraderError `invalid_argument` when `weight` is not finite or the computed value is outside
   *   `[0, 1]`; whatever `computeScore` throws.
   */
  async grade(options: GradeOptions & Params): Promise<SubScore> {
    const { weight, name, signal, ...params } = options;
    if (typeof weight !== 'number' || !Number.isFinite(weight)) {
      throw new GraderError(
        'invalid_argument',
        `${this.name}.grade: weight must be a finite number, got ${String(weight)}`,
      );
    }
    const computed = await this.computeScore(params as unknown as Params, { signal });
    const result = this.toSubScore(computed);
    return {
      ...result,
      name: name || this.name,
      weight,
      info: { ...(result.info ?? {}), _parameters: jsonSafeObject(params) },
    };
  }

  private toSubScore(computed: ComputedScore): SubScore {
    if (typeof computed === 'number') return subscore({ name: this.name, value: computed });
    if (Array.isArray(computed)) {
      const [value, info] = computed as readonly [number, JsonObject | null | undefined];
      return subscore({ name: this.name, value, info: info ?? null });
    }
    return validateSubScore(computed, `${this.name} result`);
  }
}
