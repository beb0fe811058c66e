import type { RunRecord } from '@hud/eval';

/** One task's grader self-test: its oracle and nop rewards (null = no verdict) and what is wrong. */
export interface CheckRow {
  slug: string;
  oracle: (number | null)[];
  nop: (number | null)[];
  /** Empty when the grader behaves: `oracle < 1.0`, `nop > 0.0`, `flaky oracle`, `oracle error: …`. */
  problems: string[];
}

const rewardsOf = (runs: readonly RunRecord[], slug: string) =>
  runs.filter((run) => run.slug === slug).sort((a, b) => a.group_index - b.group_index);

/**
 * The grader self-test of `slugs` from an oracle job's and a nop job's runs (one per slot): a task is
 * flagged when an oracle run scores below 1.0 or has no verdict, when a nop run scores above 0.0, or when
 * the oracle's rewards differ within the group (a flaky grader).
 */
export function checkRows(
  slugs: readonly string[],
  oracleRuns: readonly RunRecord[],
  nopRuns: readonly RunRecord[],
): CheckRow[] {
  return slugs.map((slug) => {
    const oracle = rewardsOf(oracleRuns, slug);
    const nop = rewardsOf(nopRuns, slug);
    const problems: string[] = [];
    const failed = oracle.find((run) => run.reward === null);
    if (failed) problems.push(`oracle error: ${failed.error ?? 'no verdict'}`);
    const oracleRewards = oracle.map((run) => run.reward);
    const graded = oracleRewards.filter((reward): reward is number => reward !== null);
    if (graded.some((reward) => reward < 1)) problems.push('oracle < 1.0');
    if (new Set(graded).size > 1) problems.push('flaky oracle (rewards vary within the group)');
    const nopRewards = nop.map((run) => run.reward);
    if (nopRewards.some((reward) => reward !== null && reward > 0)) problems.push('nop > 0.0');
    const nopFailed = nop.find((run) => run.reward === null);
    if (nopFailed) problems.push(`nop error: ${nopFailed.error ?? 'no verdict'}`);
    return { slug, oracle: oracleRewards, nop: nopRewards, problems };
  });
}

/** Rewards as a cell: `1.000` for one run, `1.000 0.500 1.000` for a group; `—` for no verdict. */
export function rewardsCell(rewards: readonly (number | null)[]): string {
  return rewards.map((reward) => (reward === null ? '—' : reward.toFixed(3))).join(' ');
}
