import { dumpsSorted, type TaskRow } from '@hud/protocol';
import type { LocatedRow } from './load-rows.js';
import { isTaskLike, parseTask } from './task.js';
import { Taskset } from './taskset.js';

/**
 * Imports a `.ts`/`.js` module and returns its exports. The CLI passes `importModule` from
 * `@hud/environment` (jiti, no build step); `(file) => import(pathToFileURL(file).href)` works for `.js`.
 */
export type ModuleImporter = (file: string) => Promise<Record<string, unknown>>;

/** The tasks a module exports, and the name of the one Taskset they all came from, if so. */
export interface ModuleTasks {
  readonly rows: LocatedRow[];
  readonly tasksetName: string | undefined;
}

/**
 * Collects the tasks of a module's exports (hud-python `Taskset.from_module`): every public export (names
 * starting with `_` are skipped; `default` counts) that is a task row, a Taskset (expanded) or an array (its
 * task rows; other items ignored). The same row exported twice (the same object, or an equal row with the
 * same slug) counts once; different rows with one slug are left for the duplicate check.
 * @throws HudEvalError `invalid_task` naming `<file> export '<name>'` for a task-like export that fails
 *   validation.
 */
export function collectModuleTasks(module: Record<string, unknown>, file: string): ModuleTasks {
  const rows: LocatedRow[] = [];
  const seen = new Set<unknown>();
  const tasksets = new Set<Taskset>();
  let loose = false;
  const contents = new Map<string, string>();
  const add = (value: unknown, where: string): void => {
    if (seen.has(value)) return;
    seen.add(value);
    const row = parseTask(value, { where });
    // The same task reached twice (a row exported on its own and inside a Taskset, which copied it).
    const content = dumpsSorted(row);
    if (contents.get(row.slug) === content) return;
    contents.set(row.slug, content);
    rows.push({ row, where });
  };
  for (const [name, value] of Object.entries(module)) {
    if (name.startsWith('_')) continue;
    const where = `${file} export '${name}'`;
    if (Taskset.isInstance(value)) {
      tasksets.add(value);
      value.tasks.forEach((task: TaskRow, index: number) => {
        add(task, `${where} task ${index}`);
      });
    } else if (isTaskLike(value)) {
      if (!seen.has(value)) loose = true;
      add(value, where);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (!isTaskLike(item)) return;
        if (!seen.has(item)) loose = true;
        add(item, `${where}[${index}]`);
      });
    }
  }
  const [only] = tasksets;
  const tasksetName = tasksets.size === 1 && !loose ? only?.name : undefined;
  return { rows, tasksetName };
}
