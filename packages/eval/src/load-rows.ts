import path from 'node:path';
import type { TaskRow } from '@hud/protocol';
import { mapComposePaths } from './compose-paths.js';
import { HudEvalError, messageOf } from './errors.js';
import { parseTask } from './task.js';

/** A parsed row and where it came from (`tasks.jsonl line 3`), for error messages. */
export interface LocatedRow {
  readonly row: TaskRow;
  readonly where: string;
}

function locate(value: unknown, where: string, file: string): LocatedRow {
  const parsed = parseTask(value, { where });
  const base = path.dirname(file);
  const row = mapComposePaths(parsed, (target) =>
    path.isAbsolute(target) ? target : path.resolve(base, target),
  );
  return { row, where };
}

/**
 * The rows of a `.json` task file: one object, or a list of objects (hud-python `Taskset.from_file`).
 * Compose paths are resolved against the file's directory.
 * @throws HudEvalError `load_failed` for invalid JSON or a top level that is neither; `invalid_task` naming
 *   `<file> index <n>` (0-based) for a bad row.
 */
export function parseJsonRows(text: string, file: string): LocatedRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new HudEvalError('load_failed', `${file}: invalid JSON: ${messageOf(cause)}`, { cause });
  }
  if (Array.isArray(data))
    return data.map((item, index) => locate(item, `${file} index ${index}`, file));
  if (typeof data === 'object' && data !== null) return [locate(data, file, file)];
  throw new HudEvalError(
    'load_failed',
    `${file}: expected a task object or a list of task objects`,
  );
}

/**
 * The rows of a `.jsonl` task file: one object per non-blank line.
 * @throws HudEvalError `load_failed` (`<file> line <n>: invalid JSON: …`) or `invalid_task`
 *   (`<file> line <n>: invalid task row: …`), with 1-based line numbers.
 */
export function parseJsonlRows(text: string, file: string): LocatedRow[] {
  const rows: LocatedRow[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file} line ${index + 1}`;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (cause) {
      throw new HudEvalError('load_failed', `${where}: invalid JSON: ${messageOf(cause)}`, {
        cause,
      });
    }
    rows.push(locate(data, where, file));
  });
  return rows;
}
