import path from 'node:path';
import type { JsonObject, TaskRow } from '@hud/protocol';
import { mapComposePaths } from './compose-paths.js';
import { HudEvalError } from './errors.js';
import { writeFileAtomic } from './jsonl.js';

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null && item !== undefined) out[key] = withoutNulls(item);
  }
  return out;
}

/**
 * A task row as hud-python writes it (`model_dump(mode="json", exclude_none=True)`): null fields of the row,
 * its verifier and its `runtime_config` (models) are dropped; `args`, `columns`, `agent_config` and
 * `validation` (plain dicts) are kept verbatim, nulls included.
 */
export function dumpTaskRow(row: TaskRow): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === null || value === undefined) continue;
    if (key === 'verifier') out[key] = dumpTaskRow(value as TaskRow);
    else if (key === 'runtime_config') out[key] = withoutNulls(value);
    else out[key] = value;
  }
  return out;
}

/**
 * Writes task rows to `file` (hud-python `Taskset.to_file`): `.json` → a list indented by 2; `.jsonl` →
 * one row per line. Compose paths are written relative to the target directory. Written atomically
 * (temp file, then rename).
 * @throws HudEvalError `unsupported_source` for another extension; the file system's errors.
 */
export async function writeTaskset(tasks: Iterable<TaskRow>, file: string): Promise<void> {
  const directory = path.dirname(path.resolve(file));
  const rows = [...tasks].map((row) =>
    dumpTaskRow(
      mapComposePaths(row, (target) =>
        path.isAbsolute(target) ? path.relative(directory, target) : target,
      ),
    ),
  );
  const extension = path.extname(file).toLowerCase();
  let text: string;
  if (extension === '.json') text = `${JSON.stringify(rows, null, 2)}\n`;
  else if (extension === '.jsonl') text = rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  else {
    throw new HudEvalError(
      'unsupported_source',
      `cannot write tasks to ${file}: use .json or .jsonl`,
    );
  }
  await writeFileAtomic(file, text);
}
