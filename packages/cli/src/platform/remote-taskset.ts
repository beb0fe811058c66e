/**
 * Tasksets and environments on the platform, in hud-python 0.6.16's shapes (spec §5.2 `Taskset.from_api`,
 * §9.7 `hud sync`): `GET /v2/tasksets/by-name/{name}` → `{taskset_id, name}`, `GET /v2/tasksets/{id}/export`
 * → `{name, tasks: [{env, scenario, args, name, …}]}` (`scenario` → `id`, `name` → `slug`),
 * `POST /v2/tasks/upload`, `GET /v2/registry`, `GET /v2/registry/{id}`.
 */
import { parseTask } from '@hud/eval';
import type { TaskRow } from '@hud/protocol';
import { z } from 'zod';
import { type PlatformClient, PlatformError } from './client.js';
import type { UploadTask } from './taskset-sync.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID, which `from_api` uses as a taskset id directly. */
export const isUuid = (value: string): boolean => UUID.test(value);

const ByName = z.looseObject({ taskset_id: z.string().min(1), name: z.string().optional() });
const record = z.record(z.string(), z.unknown());
const ExportedTask = z.looseObject({
  env: z.union([z.string(), z.looseObject({ name: z.string() })]),
  scenario: z.string().optional(),
  id: z.string().optional(),
  args: record.nullish(),
  name: z.string().optional(),
  slug: z.string().optional(),
  validation: z.array(record).nullish(),
  agent_config: record.nullish(),
  columns: record.nullish(),
  runtime_config: record.nullish(),
  verifier: record.nullish(),
});
const Export = z.looseObject({ name: z.string().optional(), tasks: z.array(ExportedTask) });
const UploadReply = z.looseObject({
  taskset_id: z.string().optional(),
  evalset_id: z.string().optional(),
  tasks_created: z.number().optional(),
  tasks_updated: z.number().optional(),
  tasks_unchanged: z.number().optional(),
  version: z.number().optional(),
  environments_created: z.array(z.string()).optional(),
});

/** A taskset as read from the platform. */
export interface RemoteTaskset {
  id: string;
  name: string;
  tasks: TaskRow[];
}

/** The answer of an upload (`taskset_id`, counts, and the gateway's extras when it sends them). */
export type UploadResult = z.infer<typeof UploadReply> & { taskset_id: string };

/** An environment of the registry (`id`, `name`, `latest_version`, and the deployed `image` if any). */
export const RegistryEnvironment = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  name_display: z.string().optional(),
  latest_version: z.string().nullish(),
  image: z.string().nullish(),
});
export type RegistryEnvironment = z.infer<typeof RegistryEnvironment>;

/** The display name of a registry row (`name`, else `name_display`, else its id). */
export const environmentName = (env: RegistryEnvironment): string =>
  env.name ?? env.name_display ?? env.id;

/**
 * The id of the taskset `nameOrId` (a UUID as is), or undefined when no taskset has that name.
 * @throws PlatformError for any failure but a 404.
 */
export async function findTasksetId(
  client: PlatformClient,
  nameOrId: string,
): Promise<string | undefined> {
  if (isUuid(nameOrId)) return nameOrId;
  try {
    const found = await client.get(`/v2/tasksets/by-name/${encodeURIComponent(nameOrId)}`, {
      schema: ByName,
    });
    return found.taskset_id;
  } catch (error) {
    if (PlatformError.isInstance(error) && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** A row of the export (hud-python `from_api` mapping), validated as a task row. */
function exportedRow(task: z.infer<typeof ExportedTask>, index: number, where: string): TaskRow {
  const { scenario, name, env, id, slug, ...rest } = task;
  return parseTask(
    {
      ...rest,
      env: typeof env === 'string' ? env : env.name,
      id: scenario ?? id,
      slug: name ?? slug,
      args: task.args ?? {},
    },
    { where: `${where} task ${index}` },
  );
}

/**
 * The tasks of taskset `id` (`GET /v2/tasksets/{id}/export`).
 * @throws PlatformError (`not_found` for an unknown id; `bad_response` for a shape this CLI cannot read);
 *   HudEvalError `invalid_task` naming the task for a row that is not a valid task.
 */
export async function exportTaskset(client: PlatformClient, id: string): Promise<RemoteTaskset> {
  const path = `/v2/tasksets/${encodeURIComponent(id)}/export`;
  const answer = await client.get(path, { schema: Export });
  const where = `${client.url(path).href}`;
  return {
    id,
    name: answer.name ?? id,
    tasks: answer.tasks.map((task, index) => exportedRow(task, index, where)),
  };
}

/**
 * hud-python `Taskset.from_api(nameOrId)`: the taskset by id (a UUID) or name, or undefined when no
 * taskset has that name.
 * @throws PlatformError as {@link exportTaskset}; `not_found` for an unknown UUID.
 */
export async function fetchTaskset(
  client: PlatformClient,
  nameOrId: string,
): Promise<RemoteTaskset | undefined> {
  const id = await findTasksetId(client, nameOrId);
  return id === undefined ? undefined : exportTaskset(client, id);
}

/**
 * `POST /v2/tasks/upload {taskset_name, tasks}`: creates the taskset when missing, creates and updates
 * tasks by slug, leaves the others.
 * @throws PlatformError with the platform's reason (`rejected` for a refused body).
 */
export async function uploadTasks(
  client: PlatformClient,
  tasksetName: string,
  tasks: readonly UploadTask[],
): Promise<UploadResult> {
  const reply = await client.post(
    '/v2/tasks/upload',
    { taskset_name: tasksetName, tasks },
    { schema: UploadReply },
  );
  const id = reply.taskset_id ?? reply.evalset_id;
  if (!id) {
    throw new PlatformError(
      'bad_response',
      `POST ${client.url('/v2/tasks/upload').href} answered without a taskset_id`,
    );
  }
  return { ...reply, taskset_id: id };
}

/** `GET /v2/registry?search=`: the team's environments. */
export function listEnvironments(
  client: PlatformClient,
  search?: string,
): Promise<RegistryEnvironment[]> {
  return client.get('/v2/registry', {
    query: { search, limit: 500 },
    schema: z.array(RegistryEnvironment),
  });
}

/** `GET /v2/registry/{id}`: one environment. @throws PlatformError `not_found` for an unknown id. */
export function getEnvironment(client: PlatformClient, id: string): Promise<RegistryEnvironment> {
  return client.get(`/v2/registry/${encodeURIComponent(id)}`, { schema: RegistryEnvironment });
}

/** The registry environment named exactly `name`, or undefined. */
export async function findEnvironment(
  client: PlatformClient,
  name: string,
): Promise<RegistryEnvironment | undefined> {
  const found = await listEnvironments(client, name);
  return found.find((env) => environmentName(env) === name);
}
