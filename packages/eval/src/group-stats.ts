import { hasVerdict, type RunRecord } from './run-record.js';

/** Options of {@link groupStats}. */
export interface GroupStatsOptions {
  /**
   * Divide each advantage by its group's standard deviation plus {@link epsilon} (GRPO's normalised form,
   * as TRL's `scale_rewards`); default false: `reward − group mean` (Dr. GRPO's form).
   */
  normalizeStd?: boolean;
  /** Added to the std before dividing, so a group without spread divides by a small positive number; default 1e-6. */
  epsilon?: number;
}

/** The statistics of one group: the runs of one task in one job that share a `group_id`. */
export interface GroupStat {
  group_id: string;
  /** The task's slug. */
  slug: string;
  /** Runs of the group (all outcomes). */
  runs: number;
  /** Runs with a verdict (the ones the mean, std and advantages use). */
  verdicts: number;
  /** Mean reward over the verdicts; null when there are none. */
  mean: number | null;
  /** Population standard deviation of those rewards; null without verdicts. */
  std: number | null;
  /** Whether the rewards differ within the group (a group without spread teaches a GRPO trainer nothing). */
  spread: boolean;
}

/** One run's advantage: its reward minus its group's mean (optionally ÷ (std + ε)); null without a verdict. */
export interface RunAdvantage {
  trace_id: string;
  group_id: string;
  slug: string;
  reward: number | null;
  advantage: number | null;
}

/** What {@link groupStats} returns. */
export interface GroupStats {
  /** One entry per group, in order of the group's first run. */
  groups: GroupStat[];
  /** Each run's advantage by `trace_id`. */
  advantages: Map<string, RunAdvantage>;
  /** How many groups have reward spread. */
  groupsWithSpread: number;
}

/** The default ε of {@link GroupStatsOptions.epsilon}. */
export const ADVANTAGE_EPSILON = 1e-6;

/**
 * Group statistics of a job's runs for GRPO-style training: per group (`group_id`, i.e. per task of a
 * `--group N` job) the mean, the population std and whether the rewards differ, and per run the advantage
 * `reward − mean` (÷ `std + epsilon` with `normalizeStd`). Runs without a verdict (no grade, or an
 * `isError` grade) are left out of the statistics and get a null advantage: a failure is not a 0 reward.
 * Within a group the advantages of the verdicts sum to 0 (up to rounding).
 * @throws RangeError when `epsilon` is negative or not finite.
 * @example
 * const { groups, advantages } = groupStats((await store.loadJob(id)).runs, { normalizeStd: true });
 */
export function groupStats(
  runs: readonly RunRecord[],
  options: GroupStatsOptions = {},
): GroupStats {
  const epsilon = options.epsilon ?? ADVANTAGE_EPSILON;
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw new RangeError(`epsilon must be a finite number ≥ 0, got ${epsilon}`);
  }
  const members = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const group = members.get(run.group_id);
    if (group) group.push(run);
    else members.set(run.group_id, [run]);
  }
  const groups: GroupStat[] = [];
  const advantages = new Map<string, RunAdvantage>();
  let groupsWithSpread = 0;
  for (const [groupId, group] of members) {
    const rewards = group.filter(hasVerdict).map((run) => run.reward as number);
    const mean =
      rewards.length === 0 ? null : rewards.reduce((sum, value) => sum + value, 0) / rewards.length;
    const std =
      mean === null
        ? null
        : Math.sqrt(rewards.reduce((sum, value) => sum + (value - mean) ** 2, 0) / rewards.length);
    const spread = rewards.some((value) => value !== rewards[0]);
    if (spread) groupsWithSpread++;
    groups.push({
      group_id: groupId,
      slug: (group[0] as RunRecord).slug,
      runs: group.length,
      verdicts: rewards.length,
      mean,
      std,
      spread,
    });
    for (const run of group) {
      let advantage: number | null = null;
      if (hasVerdict(run) && mean !== null) {
        advantage = (run.reward as number) - mean;
        if (options.normalizeStd) advantage /= (std ?? 0) + epsilon;
      }
      advantages.set(run.trace_id, {
        trace_id: run.trace_id,
        group_id: groupId,
        slug: run.slug,
        reward: hasVerdict(run) ? run.reward : null,
        advantage,
      });
    }
  }
  return { groups, advantages, groupsWithSpread };
}
