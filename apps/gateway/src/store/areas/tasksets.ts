import { GatewayError } from '../../errors.js';
import { newUuid, nowIso } from '../../ids.js';
import type { Sql } from '../sql.js';
import { ensureEnvironments } from './registry.js';
import { type ExportedTask, exportTask, type TaskInput, taskContent } from './task-rows.js';

export type { ExportedTask, TaskInput } from './task-rows.js';

/** A taskset: `version` counts its uploads (every upload is a version, even one that changed nothing). */
export interface TasksetRecord {
  id: string;
  name: string;
  version: number;
  task_count: number;
  created_at: string;
  updated_at: string;
}

/** What one upload did, slug by slug (remote-only tasks are never touched, so never listed). */
export interface UploadResult {
  taskset: TasksetRecord;
  /** The taskset version this upload made. */
  version: number;
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Environments the upload named that the team did not have: created, empty, in the registry. */
  environmentsCreated: string[];
}

/** One version of one task. */
export interface TaskVersion {
  version: number;
  change: 'create' | 'update';
  task: ExportedTask;
  created_at: string;
}

/** One upload of a taskset. */
export interface TasksetVersion {
  version: number;
  created_count: number;
  updated_count: number;
  unchanged_count: number;
  created_at: string;
}

/** Tasksets and their task history (`hud sync tasks`, spec §9.7). */
export interface TasksetStore {
  /** The team's taskset named `name`. */
  findTasksetByName(teamId: string, name: string): Promise<TasksetRecord | undefined>;
  /** One taskset by id. */
  getTaskset(teamId: string, id: string): Promise<TasksetRecord | undefined>;
  /** The team's tasksets, most recently updated first. */
  listTasksets(teamId: string): Promise<TasksetRecord[]>;
  /** A taskset's current tasks in the order they were first uploaded. */
  exportTasks(teamId: string, id: string): Promise<ExportedTask[] | undefined>;
  /**
   * Applies one upload to the taskset `tasksetName` (created when missing) in one transaction: a slug the
   * taskset lacks is created, a slug whose content differs is updated (its old content stays in the
   * history), an equal one is left as it is; tasks the upload does not name are kept. Concurrent uploads
   * to one taskset are serialised (each gets its own version).
   * @throws GatewayError `invalid_request` when two tasks share a slug (nothing is written).
   */
  uploadTasks(input: {
    teamId: string;
    tasksetName: string;
    tasks: readonly TaskInput[];
    keyId: string | null;
  }): Promise<UploadResult>;
  /** Every version of one task, oldest first (empty when the slug never existed). */
  taskHistory(teamId: string, tasksetId: string, slug: string): Promise<TaskVersion[]>;
  /** Every upload of a taskset, oldest first. */
  tasksetVersions(teamId: string, tasksetId: string): Promise<TasksetVersion[]>;
}

const TASKSET_COLUMNS = `ts.id, ts.name, ts.version, ts.created_at, ts.updated_at,
  (SELECT CAST(count(*) AS INTEGER) FROM tasks t WHERE t.taskset_id = ts.id) AS task_count`;

/** The slugs that occur more than once, in first-seen order. */
function duplicateSlugs(tasks: readonly TaskInput[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { slug } of tasks) {
    if (seen.has(slug)) repeated.add(slug);
    seen.add(slug);
  }
  return [...repeated];
}

/** The SQL implementation of {@link TasksetStore}. */
export class SqlTasksetStore implements TasksetStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  findTasksetByName(teamId: string, name: string): Promise<TasksetRecord | undefined> {
    return this.#sql.get(
      `SELECT ${TASKSET_COLUMNS} FROM tasksets ts WHERE ts.team_id = $1 AND ts.name = $2`,
      [teamId, name],
    );
  }

  getTaskset(teamId: string, id: string): Promise<TasksetRecord | undefined> {
    return this.#sql.get(
      `SELECT ${TASKSET_COLUMNS} FROM tasksets ts WHERE ts.team_id = $1 AND ts.id = $2`,
      [teamId, id],
    );
  }

  listTasksets(teamId: string): Promise<TasksetRecord[]> {
    return this.#sql.all(
      `SELECT ${TASKSET_COLUMNS} FROM tasksets ts WHERE ts.team_id = $1 ORDER BY ts.updated_at DESC, ts.name`,
      [teamId],
    );
  }

  async exportTasks(teamId: string, id: string): Promise<ExportedTask[] | undefined> {
    if (!(await this.getTaskset(teamId, id))) return undefined;
    const rows = await this.#sql.all<{ slug: string; content: string }>(
      'SELECT slug, content FROM tasks WHERE taskset_id = $1 ORDER BY position',
      [id],
    );
    return rows.map((row) => exportTask(row.slug, row.content));
  }

  async uploadTasks(input: {
    teamId: string;
    tasksetName: string;
    tasks: readonly TaskInput[];
    keyId: string | null;
  }): Promise<UploadResult> {
    const repeated = duplicateSlugs(input.tasks);
    if (repeated.length > 0) {
      throw new GatewayError(
        'invalid_request',
        `duplicate task slugs in one upload: ${repeated.join(', ')} (each task of a taskset needs its own slug; nothing was written)`,
      );
    }
    const now = nowIso();
    const result = await this.#sql.tx(async (tx) => {
      // The upsert locks the taskset row (PostgreSQL) until commit: a concurrent upload waits here, then
      // diffs against what this one wrote.
      const taskset = await tx.get<{ id: string; version: number }>(
        `INSERT INTO tasksets (id, team_id, name, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4)
          ON CONFLICT (team_id, name) DO UPDATE SET version = tasksets.version + 1, updated_at = excluded.updated_at
          RETURNING id, version`,
        [newUuid(), input.teamId, input.tasksetName, now],
      );
      if (!taskset) throw new Error('taskset upsert returned no row');
      const environmentsCreated = await ensureEnvironments(tx, input.teamId, [
        ...input.tasks.map((task) => task.env),
        ...input.tasks.flatMap((task) =>
          typeof task.verifier?.env === 'string' && task.verifier.env ? [task.verifier.env] : [],
        ),
      ]);
      const existing = new Map(
        (
          await tx.all<{ slug: string; content: string }>(
            'SELECT slug, content FROM tasks WHERE taskset_id = $1',
            [taskset.id],
          )
        ).map((row) => [row.slug, row.content]),
      );
      const last = await tx.get<{ position: number | null }>(
        'SELECT max(position) AS position FROM tasks WHERE taskset_id = $1',
        [taskset.id],
      );
      let position = Number(last?.position ?? -1);
      const created: string[] = [];
      const updated: string[] = [];
      const unchanged: string[] = [];
      const history: (string | number)[][] = [];
      for (const task of input.tasks) {
        const content = taskContent(task);
        const before = existing.get(task.slug);
        if (before === undefined) {
          position += 1;
          await tx.run(
            `INSERT INTO tasks (taskset_id, slug, position, env_name, task_id, content, version, created_at, updated_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
            [taskset.id, task.slug, position, task.env, task.taskId, content, taskset.version, now],
          );
          created.push(task.slug);
          history.push([taskset.id, task.slug, taskset.version, 'create', content, now]);
        } else if (before !== content) {
          await tx.run(
            `UPDATE tasks SET env_name = $3, task_id = $4, content = $5, version = $6, updated_at = $7
              WHERE taskset_id = $1 AND slug = $2`,
            [taskset.id, task.slug, task.env, task.taskId, content, taskset.version, now],
          );
          updated.push(task.slug);
          history.push([taskset.id, task.slug, taskset.version, 'update', content, now]);
        } else {
          unchanged.push(task.slug);
        }
      }
      await tx.insertMany(
        'task_versions',
        ['taskset_id', 'slug', 'version', 'change', 'content', 'created_at'],
        history,
        '',
      );
      await tx.run(
        `INSERT INTO taskset_versions (taskset_id, version, created_count, updated_count, unchanged_count, key_id,
            created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          taskset.id,
          taskset.version,
          created.length,
          updated.length,
          unchanged.length,
          input.keyId,
          now,
        ],
      );
      return {
        id: taskset.id,
        version: taskset.version,
        created,
        updated,
        unchanged,
        environmentsCreated,
      };
    });
    const taskset = await this.getTaskset(input.teamId, result.id);
    if (!taskset) throw new Error(`taskset ${result.id} vanished after upload`);
    return { taskset, ...result };
  }

  async taskHistory(teamId: string, tasksetId: string, slug: string): Promise<TaskVersion[]> {
    if (!(await this.getTaskset(teamId, tasksetId))) return [];
    const rows = await this.#sql.all<{
      version: number;
      change: 'create' | 'update';
      content: string;
      created_at: string;
    }>(
      `SELECT version, change, content, created_at FROM task_versions
        WHERE taskset_id = $1 AND slug = $2 ORDER BY version`,
      [tasksetId, slug],
    );
    return rows.map((row) => ({
      version: row.version,
      change: row.change,
      task: exportTask(slug, row.content),
      created_at: row.created_at,
    }));
  }

  async tasksetVersions(teamId: string, tasksetId: string): Promise<TasksetVersion[]> {
    if (!(await this.getTaskset(teamId, tasksetId))) return [];
    return this.#sql.all(
      `SELECT version, created_count, updated_count, unchanged_count, created_at FROM taskset_versions
        WHERE taskset_id = $1 ORDER BY version`,
      [tasksetId],
    );
  }
}
