/**
 * The diff of `hud sync tasks` (hud-python 0.6.16 `SyncPlan`, spec §9.7): local and remote rows matched by
 * slug; equal {@link taskSignature}s are unchanged, different ones an update, local-only slugs a create,
 * remote-only slugs reported and never deleted. Also the upload body hud-python sends.
 */
import { dumpTaskRow } from '@hud/eval';
import type { JsonObject, TaskRow } from '@hud/protocol';
import { dumpsCompactSorted, taskSignature } from './signature.js';

/** What a sync would do, slug by slug, in local order (remote-only in remote order). */
export interface SyncPlan {
  toCreate: TaskRow[];
  /** Each local row whose remote row differs, with the fields that differ (`args`, `columns`, …). */
  toUpdate: { row: TaskRow; changed: string[] }[];
  unchanged: TaskRow[];
  remoteOnly: TaskRow[];
}

/** The row fields the signature covers, in the order a change is named. */
const FIELDS = [
  'id',
  'args',
  'validation',
  'agent_config',
  'columns',
  'runtime_config',
  'verifier',
] as const;

/** The fields of `local` that differ from `remote` (compared as the signature does). */
export function changedFields(local: TaskRow, remote: TaskRow): string[] {
  const a = dumpTaskRow(local);
  const b = dumpTaskRow(remote);
  return FIELDS.filter((field) => dumpsCompactSorted(a[field]) !== dumpsCompactSorted(b[field]));
}

/**
 * The plan of syncing `local` onto `remote` (both with unique slugs).
 * @example planSync([row], []).toCreate // [row]
 */
export function planSync(local: readonly TaskRow[], remote: readonly TaskRow[]): SyncPlan {
  const remoteBySlug = new Map(remote.map((row) => [row.slug, row]));
  const localSlugs = new Set(local.map((row) => row.slug));
  const plan: SyncPlan = { toCreate: [], toUpdate: [], unchanged: [], remoteOnly: [] };
  for (const row of local) {
    const before = remoteBySlug.get(row.slug);
    if (!before) plan.toCreate.push(row);
    else if (taskSignature(row) === taskSignature(before)) plan.unchanged.push(row);
    else plan.toUpdate.push({ row, changed: changedFields(row, before) });
  }
  plan.remoteOnly = remote.filter((row) => !localSlugs.has(row.slug));
  return plan;
}

/**
 * The lines hud-python prints for a plan: `create: <slug> (new)`, `update: <slug> (args changed)` (or the
 * other fields that changed), `remote-only: <slug> (exists on platform but not locally)`; unchanged rows
 * print nothing.
 */
export function planLines(plan: SyncPlan): string[] {
  return [
    ...plan.toCreate.map((row) => `create: ${row.slug} (new)`),
    ...plan.toUpdate.map(
      ({ row, changed }) => `update: ${row.slug} (${changed.join(', ') || 'content'} changed)`,
    ),
    ...plan.remoteOnly.map(
      (row) => `remote-only: ${row.slug} (exists on platform but not locally)`,
    ),
  ];
}

/** One task of `POST /v2/tasks/upload` in hud-python's shape (spec §9.7). */
export interface UploadTask {
  name: string;
  env: { name: string };
  task_id: string;
  args: JsonObject;
  validation?: JsonObject[];
  agent_config?: JsonObject;
  columns?: JsonObject;
  runtime_config?: JsonObject;
  verifier?: JsonObject;
}

/** The upload item of a row: `name` = slug, `env` = `{name}`, `task_id` = id; null fields left out. */
export function uploadTask(row: TaskRow): UploadTask {
  const dumped = dumpTaskRow(row);
  const task: UploadTask = {
    name: row.slug,
    env: { name: row.env },
    task_id: row.id,
    args: row.args,
  };
  for (const key of [
    'validation',
    'agent_config',
    'columns',
    'runtime_config',
    'verifier',
  ] as const)
    if (dumped[key] !== undefined) (task as unknown as JsonObject)[key] = dumped[key];
  return task;
}

/**
 * Keeps the rows `--task` names (all when none) minus those `--exclude` names.
 * @throws Error naming a `--task` slug that is not among `rows` (and the slugs there are).
 */
export function filterRows(
  rows: readonly TaskRow[],
  only: readonly string[],
  exclude: readonly string[],
): TaskRow[] {
  const slugs = new Set(rows.map((row) => row.slug));
  const missing = only.filter((slug) => !slugs.has(slug));
  if (missing.length > 0) {
    throw new Error(
      `--task ${missing.join(', ')}: no such task in the local taskset (tasks: ${[...slugs].join(', ') || 'none'})`,
    );
  }
  const keep = only.length > 0 ? new Set(only) : undefined;
  const drop = new Set(exclude);
  return rows.filter((row) => (keep ? keep.has(row.slug) : true) && !drop.has(row.slug));
}
