/**
 * One task of an upload, normalised from hud-python's upload item (`{"name": slug, "env": {"name": env},
 * "task_id", "args", "validation"?, "agent_config"?, "columns"?, "runtime_config"?, "verifier"?}`, spec
 * §9.7).
 */
export interface TaskInput {
  slug: string;
  env: string;
  taskId: string;
  args: Record<string, unknown>;
  validation?: unknown[] | null;
  agentConfig?: Record<string, unknown> | null;
  columns?: Record<string, unknown> | null;
  runtimeConfig?: Record<string, unknown> | null;
  /** A nested task row (`{env, id, args, slug, …}`) that grades this one. */
  verifier?: Record<string, unknown> | null;
}

/**
 * One task as `GET /v2/tasksets/{id}/export` answers it, the record hud-python's `Taskset.from_api` maps
 * to a row (`scenario` → `id`, `name` → `slug`, spec §5.2). Absent keys were not set.
 */
export interface ExportedTask {
  env: string;
  scenario: string;
  args: Record<string, unknown>;
  name: string;
  validation?: unknown[];
  agent_config?: Record<string, unknown>;
  columns?: Record<string, unknown>;
  runtime_config?: Record<string, unknown>;
  verifier?: Record<string, unknown>;
}

/** The stored content of a task: the row fields that make a change (JSON with sorted keys). */
interface TaskContent {
  env: string;
  id: string;
  args: Record<string, unknown>;
  validation?: unknown[];
  agent_config?: Record<string, unknown>;
  columns?: Record<string, unknown>;
  runtime_config?: Record<string, unknown>;
  verifier?: Record<string, unknown>;
}

/** JSON text with object keys sorted at every depth: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const entries = Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries);
  });
}

/** The stored content text of an upload's task (null/undefined fields left out, as hud-python's dump). */
export function taskContent(task: TaskInput): string {
  const content: TaskContent = { env: task.env, id: task.taskId, args: task.args };
  if (task.validation != null) content.validation = task.validation;
  if (task.agentConfig != null) content.agent_config = task.agentConfig;
  if (task.columns != null) content.columns = task.columns;
  if (task.runtimeConfig != null) content.runtime_config = task.runtimeConfig;
  if (task.verifier != null) content.verifier = task.verifier;
  return canonicalJson(content);
}

/** A stored task as exported. */
export function exportTask(slug: string, contentText: string): ExportedTask {
  const { id, ...rest } = JSON.parse(contentText) as TaskContent;
  return { ...rest, scenario: id, name: slug };
}
