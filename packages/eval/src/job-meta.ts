import type { JobTotals } from './job.js';
import type { JobOwner } from './job-owner.js';

/** `job.json`: what a job is, and its totals once it ends. */
export interface JobMeta {
  /** `uuid4().hex`, also the directory name. */
  id: string;
  name: string;
  group: number;
  /** ISO-8601 UTC. */
  created_at: string;
  updated_at: string;
  /**
   * `running` while a process works on it (or after that process was killed: see `jobState`, which tells
   * the two apart through `owner`), then `completed` or `cancelled`.
   */
  status: 'running' | 'completed' | 'cancelled';
  /** What the tasks were loaded from (the CLI's SOURCE), if known. */
  source: string | null;
  agent: { name: string; model: string | null };
  /** The agent's step budget (absent in jobs recorded before hud-ts recorded it). */
  max_steps?: number;
  /** The caller's own settings (`RunOptions.settings`; the CLI records `{runtime}`). */
  settings?: Record<string, string | number | boolean | null>;
  /** The process that started (or last resumed) the job; absent in older jobs. */
  owner?: JobOwner | null;
  /** The taskset; its rows are in `tasks.jsonl` next to `job.json`. */
  taskset: { name: string; count: number; taskset_id: string | null; file: 'tasks.jsonl' };
  /** Counts and mean reward over the job's runs (one per slot); null until a call on it ends. */
  totals: JobTotals | null;
}
