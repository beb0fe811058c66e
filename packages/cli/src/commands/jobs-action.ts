import path from 'node:path';
import {
  groupStats,
  type Job,
  type JobMeta,
  type JobState,
  JobStore,
  jobState,
  type RunRecord,
} from '@hud/eval';
import { DEFAULT_STORE } from '../defaults.js';
import { shellWord } from '../eval/flag-values.js';
import { renderTable } from '../table.js';
import { type JobsFlags, parseLimit } from './jobs-source.js';

const reward = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : value.toFixed(3);

function runRow(run: RunRecord, advantage: number | null | undefined): string[] {
  return [
    run.slug,
    String(run.group_index),
    run.status,
    reward(run.reward),
    advantage === null || advantage === undefined
      ? '—'
      : `${advantage > 0 ? '+' : ''}${advantage.toFixed(3)}`,
    run.stop_reason ?? '',
    `${Math.round(run.timings.total)} ms`,
    run.trace_id,
    run.error ?? '',
  ];
}

/** A job as `hud jobs` shows it: its status as seen now (`interrupted` included) and its totals. */
interface ShownJob extends Omit<JobMeta, 'status'> {
  status: JobState;
}

/** Whether job `meta`'s totals must be counted from its runs: it never wrote them (running or killed). */
const needsRuns = (meta: JobMeta) => meta.totals === null || meta.status === 'running';

/**
 * `meta` with the status a reader should see (see `jobState`: a `running` job whose process is gone is
 * `interrupted`) and, when {@link needsRuns}, the totals of `job` (read from `runs.jsonl`).
 */
function shown(meta: JobMeta, job: Job | undefined): ShownJob {
  const totals = job && needsRuns(meta) ? job.totals() : meta.totals;
  return { ...meta, status: jobState(meta), totals };
}

/** The command that resumes job `id` (its source, agent and settings come from job.json). */
function resumeCommand(id: string, storeFlag: string | undefined): string {
  const store =
    storeFlag === undefined || storeFlag === DEFAULT_STORE
      ? ''
      : ` --store ${shellWord(storeFlag)}`;
  return `hud eval --resume ${id}${store}`;
}

/**
 * `hud jobs [job-id]` over the local store: the (`--limit` newest) jobs of the store as a table (or JSON),
 * or the runs of the one job whose id starts with `jobId`.
 * @throws Error when `jobId` matches no job or several.
 */
export async function jobsAction(jobId: string | undefined, flags: JobsFlags): Promise<void> {
  const store = new JobStore(path.resolve(flags.store ?? DEFAULT_STORE));
  const jobs = await store.listJobs();
  if (!jobId) {
    const limit = parseLimit(flags.limit);
    const rows = await Promise.all(
      jobs
        .slice(0, limit)
        .map(async (meta) =>
          shown(
            meta,
            needsRuns(meta) ? await store.loadJob(meta.id).catch(() => undefined) : undefined,
          ),
        ),
    );
    if (flags.json) return console.log(JSON.stringify(rows));
    if (rows.length === 0) return console.log(`no jobs in ${store.root}: run one with hud eval`);
    const cells = rows.map((job) => [
      job.id,
      job.name,
      job.created_at,
      job.status,
      job.totals?.runs ?? '—',
      reward(job.totals?.reward),
    ]);
    const head = ['job', 'name', 'created', 'status', 'runs', 'reward'];
    console.log(renderTable(head, cells, process.stdout.isTTY === true));
    if (jobs.length > rows.length) {
      console.log(`showing the ${rows.length} newest of ${jobs.length} jobs: --limit shows more`);
    }
    for (const job of rows.filter((row) => row.status === 'interrupted')) {
      console.log(
        `job ${job.id} was interrupted (its hud process is gone): resume with ${resumeCommand(job.id, flags.store)}`,
      );
    }
    return;
  }
  const matches = jobs.filter((job) => job.id.startsWith(jobId));
  if (matches.length !== 1) {
    throw new Error(
      matches.length === 0
        ? `no job '${jobId}' in ${store.root}`
        : `'${jobId}' matches ${matches.length} jobs: give more of the id`,
    );
  }
  const job = await store.loadJob((matches[0] as JobMeta).id);
  const meta = shown(matches[0] as JobMeta, job);
  const stats = groupStats(job.runs);
  const advantageOf = (run: RunRecord) => stats.advantages.get(run.trace_id)?.advantage ?? null;
  if (flags.json) {
    const runs = job.runs.map((run) => ({ ...run, advantage: advantageOf(run) }));
    return console.log(JSON.stringify({ ...meta, groups: stats.groups, runs }));
  }
  console.log(`job ${meta.id} — ${meta.name} (${meta.status}, created ${meta.created_at})`);
  console.log(
    `agent ${meta.agent.name}${meta.agent.model ? ` (${meta.agent.model})` : ''}; source ${meta.source ?? 'unknown'}`,
  );
  const head = [
    'task',
    'group #',
    'status',
    'reward',
    'advantage',
    'stop',
    'time',
    'trace',
    'error',
  ];
  const rows = job.runs.map((run) => runRow(run, advantageOf(run)));
  console.log(renderTable(head, rows, process.stdout.isTTY === true));
  console.log(
    `reward ${reward(job.reward)} over ${job.runs.length - job.errors.length} graded runs; ${job.errors.length} without a verdict`,
  );
  if (meta.group > 1) {
    console.log(
      `groups: ${stats.groupsWithSpread} of ${stats.groups.length} with reward spread (advantage = reward − group mean); training data: hud jobs export ${meta.id} --format rl`,
    );
  }
  if (meta.status === 'interrupted')
    console.log(
      `interrupted (its hud process is gone): resume with ${resumeCommand(meta.id, flags.store)}`,
    );
  console.log('show a run: hud trace <trace-id>');
}
