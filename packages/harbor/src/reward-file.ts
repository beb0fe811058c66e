/** What the verifier's reward files said. */
export type RewardReading =
  | {
      ok: true;
      rewards: Record<string, number>;
      file: 'reward.json' | 'reward.txt';
      warning?: string;
    }
  | { ok: false; kind: 'missing' | 'empty' | 'unparseable'; message: string };

/**
 * Reads the verifier's verdict the way Harbor v0.22 does (`src/harbor/verifier/verifier.py`):
 * `reward.json` first, else `reward.txt`; neither is `RewardFileNotFoundError`, an empty file
 * `RewardFileEmptyError`. `reward.txt` is one number (`{reward: n}`); `reward.json` a flat object of numbers
 * (one metric per key), or a bare number. Both present: json wins, with a warning (older Harbor docs said
 * txt first).
 * @param json the text of `/logs/verifier/reward.json`, null when absent.
 * @param txt the text of `/logs/verifier/reward.txt`, null when absent.
 */
export function readRewardFiles(json: string | null, txt: string | null): RewardReading {
  const warning =
    json !== null && txt !== null
      ? 'both reward.json and reward.txt were written; reward.json is used (Harbor v0.22 reads it first)'
      : undefined;
  if (json !== null) {
    if (json.trim() === '') {
      return { ok: false, kind: 'empty', message: '/logs/verifier/reward.json is empty' };
    }
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      return {
        ok: false,
        kind: 'unparseable',
        message: `/logs/verifier/reward.json is not JSON (${(error as Error).message}): ${json.trim().slice(0, 200)}`,
      };
    }
    const rewards = rewardsOf(value);
    if (typeof rewards === 'string') {
      return { ok: false, kind: 'unparseable', message: `/logs/verifier/reward.json ${rewards}` };
    }
    return { ok: true, rewards, file: 'reward.json', ...(warning ? { warning } : {}) };
  }
  if (txt !== null) {
    const text = txt.trim();
    if (text === '')
      return { ok: false, kind: 'empty', message: '/logs/verifier/reward.txt is empty' };
    const reward = Number(text);
    if (!Number.isFinite(reward)) {
      return {
        ok: false,
        kind: 'unparseable',
        message: `/logs/verifier/reward.txt does not hold a number: '${text.slice(0, 200)}'`,
      };
    }
    return { ok: true, rewards: { reward }, file: 'reward.txt' };
  }
  return {
    ok: false,
    kind: 'missing',
    message:
      'no reward file: the verifier wrote neither /logs/verifier/reward.json nor /logs/verifier/reward.txt',
  };
}

function rewardsOf(value: unknown): Record<string, number> | string {
  if (typeof value === 'number' && Number.isFinite(value)) return { reward: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object of numbers (or one number)';
  }
  const rewards: Record<string, number> = {};
  for (const [key, entry] of Object.entries(value)) {
    const number = typeof entry === 'boolean' ? Number(entry) : entry;
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      return `key '${key}' is not a number: ${JSON.stringify(entry)}`;
    }
    rewards[key] = number;
  }
  if (Object.keys(rewards).length === 0) return 'has no rewards ({})';
  return rewards;
}

/** A trial's reward and its parts, from the verifier's metrics. */
export interface RewardSummary {
  /** The reward: the `reward` key, else the only key, else the mean of every key (Harbor's `mean` metric). */
  score: number;
  /** One subscore per metric other than `reward`, equally weighted, when there are several metrics. */
  subscores: { name: string; value: number; weight: number }[];
}

/** The reward and subscores of a multi-metric `reward.json` (`{"correctness": 1, "performance": 0}`). */
export function summarizeRewards(rewards: Record<string, number>): RewardSummary {
  const entries = Object.entries(rewards);
  const parts = entries.filter(([key]) => key !== 'reward');
  const score =
    rewards.reward !== undefined
      ? rewards.reward
      : parts.reduce((sum, [, value]) => sum + value, 0) / parts.length;
  if (entries.length < 2) return { score, subscores: [] };
  return {
    score,
    subscores: parts.map(([name, value]) => ({ name, value, weight: 1 / parts.length })),
  };
}
