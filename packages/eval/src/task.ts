import { type TaskRow, TaskRow as TaskRowSchema, taskSlug } from '@hud/protocol';
import type { z } from 'zod';
import { HudEvalError } from './errors.js';

const ROW_KEYS = new Set([
  'env',
  'id',
  'args',
  'slug',
  'validation',
  'agent_config',
  'columns',
  'runtime_config',
  'verifier',
]);

/** Options of {@link parseTask}. */
export interface ParseTaskOptions {
  /** Where the row came from, prefixed to error messages (e.g. `tasks.jsonl line 3`). */
  where?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for a value that looks like a task row (`{env: string, id: string, ...}`): how module loaders tell
 * tasks from the other things a module exports.
 */
export function isTaskLike(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && typeof value.env === 'string' && typeof value.id === 'string';
}

/** Fills in missing slugs (hud-python's default: `id`, or `id-<sha1(args)[:8]>`), verifier included. */
function withSlugs(input: Record<string, unknown>): Record<string, unknown> {
  let row = input;
  if ((row.slug === undefined || row.slug === null) && typeof row.id === 'string' && row.id) {
    const args = isRecord(row.args) ? row.args : undefined;
    row = { ...row, slug: taskSlug(row.id, args) };
  }
  if (isRecord(row.verifier)) row = { ...row, verifier: withSlugs(row.verifier) };
  return row;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'row'}: ${issue.message}`)
    .join('; ');
}

/** A row that already has every field in final form, so it can be kept as is (identity matters). */
function isCanonical(input: Record<string, unknown>): boolean {
  if (!isRecord(input.args) || typeof input.slug !== 'string') return false;
  if (input.verifier !== undefined && input.verifier !== null) return false;
  return Object.keys(input).every((key) => ROW_KEYS.has(key));
}

/**
 * Validates a task row (hud-python `Task`, spec §5.1) with `@hud/protocol`'s `TaskRow` schema: unknown keys
 * are dropped (as pydantic ignores them), a missing `slug` is computed with `taskSlug`, `args` defaults to
 * `{}`. A row that is already canonical (e.g. minted by a template, which remembers its environment) is
 * returned as the same object.
 * @throws HudEvalError `invalid_task` naming `where` and every zod issue (`env: Invalid input…`), or a nested
 *   verifier (hud-python raises ValueError for it).
 */
export function parseTask(value: unknown, options: ParseTaskOptions = {}): TaskRow {
  const prefix = options.where ? `${options.where}: ` : '';
  if (!isRecord(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    throw new HudEvalError('invalid_task', `${prefix}a task row must be an object, got ${kind}`);
  }
  const input = withSlugs(value);
  const parsed = TaskRowSchema.safeParse(input);
  if (!parsed.success) {
    throw new HudEvalError(
      'invalid_task',
      `${prefix}invalid task row: ${describeIssues(parsed.error)}`,
      {
        cause: parsed.error,
      },
    );
  }
  if (parsed.data.verifier?.verifier) {
    throw new HudEvalError('invalid_task', `${prefix}a verifier task cannot have its own verifier`);
  }
  return input === value && isCanonical(value) ? (value as unknown as TaskRow) : parsed.data;
}

/** Every environment name a row needs: its own and its verifier's. */
export function rowEnvironments(row: TaskRow): string[] {
  return row.verifier ? [row.env, row.verifier.env] : [row.env];
}
