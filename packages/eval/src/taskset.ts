import { hasBrand, type TaskRow } from '@hud/protocol';
import { HudEvalError } from './errors.js';
import type { Job } from './job.js';
import type { RunOptions } from './run-options.js';
import { runTaskset } from './run-taskset.js';
import { parseTask, rowEnvironments } from './task.js';

const BRAND = Symbol.for('hud.taskset');

/** Options of the {@link Taskset} constructor. */
export interface TasksetOptions {
  /** The HUD platform id of the taskset, when it came from there (hud-python `taskset_id`). */
  tasksetId?: string;
}

/**
 * The slugs that occur more than once among `rows`, each with the 0-based positions it occurs at.
 * Loaders use the positions to name lines; the constructor names the slugs.
 */
export function duplicateSlugs(rows: readonly TaskRow[]): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  rows.forEach((row, index) => {
    const seen = positions.get(row.slug);
    if (seen) seen.push(index);
    else positions.set(row.slug, [index]);
  });
  for (const [slug, found] of positions) if (found.length < 2) positions.delete(slug);
  return positions;
}

/**
 * A named, ordered set of tasks with unique slugs (hud-python `Taskset`, spec §5.2). Tasks are plain task
 * rows (`{env, id, args, slug, ...}`); rows minted by a template are kept as the same objects, so they still
 * know their environment.
 * @example
 * const taskset = new Taskset('letter-count', ['strawberry', 'raspberry'].map((word) => count({ word, letter: 'r' })));
 * const job = await taskset.run({ agent, provider, group: 3, maxConcurrent: 16 });
 */
export class Taskset implements Iterable<TaskRow> {
  /** True for any Taskset, including one created by another copy of this package. */
  static isInstance(value: unknown): value is Taskset {
    return hasBrand(value, BRAND);
  }
  readonly [BRAND] = true;
  /** Default `"taskset"`, as hud-python. */
  readonly name: string;
  readonly tasksetId: string | undefined;
  readonly #tasks: readonly TaskRow[];
  readonly #bySlug: ReadonlyMap<string, TaskRow>;

  /**
   * @param tasks task rows, validated with {@link parseTask} (a missing slug is computed).
   * @throws HudEvalError `invalid_task` (naming the row's position), `duplicate_slugs`
   *   (`duplicate task slugs: a, b`).
   */
  constructor(name?: string, tasks: Iterable<unknown> = [], options: TasksetOptions = {}) {
    this.name = name || 'taskset';
    this.tasksetId = options.tasksetId;
    const rows = [...tasks].map((task, index) => parseTask(task, { where: `task ${index}` }));
    const duplicates = duplicateSlugs(rows);
    if (duplicates.size > 0) {
      throw new HudEvalError(
        'duplicate_slugs',
        `duplicate task slugs: ${[...duplicates.keys()].join(', ')}`,
      );
    }
    this.#tasks = rows;
    this.#bySlug = new Map(rows.map((row) => [row.slug, row]));
  }

  /** Number of tasks. */
  get size(): number {
    return this.#tasks.length;
  }

  /** The tasks, in order. */
  get tasks(): readonly TaskRow[] {
    return this.#tasks;
  }

  /** The slugs, in order. */
  get slugs(): string[] {
    return this.#tasks.map((task) => task.slug);
  }

  [Symbol.iterator](): Iterator<TaskRow> {
    return this.#tasks[Symbol.iterator]();
  }

  /** The task with this slug, if any (hud-python `ts[slug]`). */
  get(slug: string): TaskRow | undefined {
    return this.#bySlug.get(slug);
  }

  /** Whether a task has this slug. */
  has(slug: string): boolean {
    return this.#bySlug.has(slug);
  }

  /** A taskset of the tasks whose slug is in `slugs` (order kept; unknown slugs ignored, as hud-python). */
  filter(slugs: Iterable<string>): Taskset {
    const keep = new Set(slugs);
    return this.#derive(this.#tasks.filter((task) => keep.has(task.slug)));
  }

  /** A taskset without the tasks whose slug is in `slugs`. */
  exclude(slugs: Iterable<string>): Taskset {
    const drop = new Set(slugs);
    return this.#derive(this.#tasks.filter((task) => !drop.has(task.slug)));
  }

  /**
   * The tasks `refs` name, in taskset order (CLI `--task-ids a,b,0`, hud-python): each ref is a slug, else a
   * template id (every task of that template), else a 0-based index.
   * @throws HudEvalError `unknown_task` listing the refs that match nothing.
   */
  select(refs: Iterable<string | number>): Taskset {
    const picked = new Set<TaskRow>();
    const unknown: string[] = [];
    for (const ref of refs) {
      const text = String(ref).trim();
      const bySlug = this.#bySlug.get(text);
      const byId = this.#tasks.filter((task) => task.id === text);
      const byIndex = /^\d+$/.test(text) ? this.#tasks[Number(text)] : undefined;
      const found = bySlug ? [bySlug] : byId.length > 0 ? byId : byIndex ? [byIndex] : [];
      if (found.length === 0) unknown.push(text);
      for (const task of found) picked.add(task);
    }
    if (unknown.length > 0) {
      const available = this.slugs.slice(0, 20).join(', ') + (this.size > 20 ? ', …' : '');
      throw new HudEvalError(
        'unknown_task',
        `no task matches ${unknown.map((ref) => `'${ref}'`).join(', ')} in taskset '${this.name}' (a ref is a slug, a template id or a 0-based index; tasks: ${available || 'none'})`,
      );
    }
    return this.#derive(this.#tasks.filter((task) => picked.has(task)));
  }

  /** Every environment name the tasks need, verifiers included, in first-seen order. */
  environmentNames(): string[] {
    return [...new Set(this.#tasks.flatMap(rowEnvironments))];
  }

  /**
   * Runs `agent` over every task `group` times with bounded concurrency and returns the {@link Job}
   * (see {@link RunOptions}). Rollout failures never reject: they are recorded on their run. Cancelling
   * `signal` resolves with the partial job (`job.cancelled === true`).
   * @throws HudEvalError `invalid_argument` for bad options, `job_not_found` for an unknown `resume` id.
   */
  run(options: RunOptions): Promise<Job> {
    return runTaskset(this, options);
  }

  /** `{name, tasks}`; the rows as JSON. */
  toJSON(): { name: string; tasks: readonly TaskRow[] } {
    return { name: this.name, tasks: this.#tasks };
  }

  #derive(tasks: readonly TaskRow[]): Taskset {
    return new Taskset(this.name, tasks, { tasksetId: this.tasksetId });
  }
}
