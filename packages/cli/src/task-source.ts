import { importModule, resolveEnvironmentFile } from '@hud/environment';
import { loadTaskset, type Taskset } from '@hud/eval';
import { HudError, type TaskRow, TaskRow as TaskRowSchema } from '@hud/protocol';
import { hudModuleFallbacks } from './module-fallbacks.js';

/**
 * The local taskset of a source as `hud eval` loads it (hud-python `Taskset.from_file` / `from_module`):
 * a `.ts`/`.js` module (the files it imports get the packages the CLI lends), a directory (`tasks.ts`…, or
 * its `*.json` / `*.jsonl`), a `.json` or `.jsonl` file.
 * @throws HudEvalError `load_failed`, `invalid_task`, `duplicate_slugs` (naming each duplicated slug and
 *   every place it occurs: `'a' (tasks.jsonl line 1, tasks.jsonl line 3)`), `unsupported_source`.
 */
export function loadLocalTaskset(source: string): Promise<Taskset> {
  const fallbacks = hudModuleFallbacks();
  return loadTaskset(source, { importModule: (file) => importModule(file, { fallbacks }) });
}

function asRow(value: unknown): TaskRow | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const parsed = TaskRowSchema.safeParse(value);
  return parsed.success ? (value as TaskRow) : undefined;
}

/**
 * The task rows a module exports (hud-python `Taskset.from_module`): exported rows, arrays of rows, and
 * objects with a `tasks` array (a Taskset), in export order; a default export counts too.
 * @throws HudError `load_failed` when the file cannot be loaded.
 */
export async function loadTaskRows(source: string): Promise<TaskRow[]> {
  const module = await importModule(resolveEnvironmentFile(source), {
    fallbacks: hudModuleFallbacks(),
  });
  const rows: TaskRow[] = [];
  const seen = new Set<string>();
  const add = (row: TaskRow | undefined) => {
    if (row && !seen.has(row.slug)) {
      seen.add(row.slug);
      rows.push(row);
    }
  };
  for (const [name, value] of Object.entries(module)) {
    if (name.startsWith('_')) continue;
    const row = asRow(value);
    if (row) add(row);
    else if (Array.isArray(value)) for (const item of value) add(asRow(item));
    else if (
      typeof value === 'object' &&
      value !== null &&
      Array.isArray((value as { tasks?: unknown }).tasks)
    ) {
      for (const item of (value as { tasks: unknown[] }).tasks) add(asRow(item));
    }
  }
  return rows;
}

/**
 * Finds TASK among `rows` by slug, template id or 0-based index (hud-python `hud task` resolution).
 * @throws HudError `invalid_argument` naming the available slugs when nothing matches.
 */
export function pickTask(rows: TaskRow[], task: string): TaskRow {
  const bySlug = rows.find((row) => row.slug === task) ?? rows.find((row) => row.id === task);
  if (bySlug) return bySlug;
  if (/^\d+$/.test(task) && rows[Number(task)]) return rows[Number(task)] as TaskRow;
  const available = rows.map((row) => row.slug).join(', ') || 'none';
  throw new HudError('invalid_argument', `no task '${task}' in the source (tasks: ${available})`);
}
