import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalUuid } from '../ids.js';
import { TasksUpload } from '../schemas/platform.js';
import type {
  ExportedTask,
  TaskInput,
  TasksetRecord,
  TasksetVersion,
  TaskVersion,
} from '../store/areas/tasksets.js';
import type { RouteContext } from './context.js';

/**
 * The answer of `POST /v2/tasks/upload`: hud-python reads `taskset_id` (0.6.16; newer releases read
 * `evalset_id`, the same id), `tasks_created` and `tasks_updated`. The rest says exactly what happened:
 * the slugs per outcome, the taskset version this upload made, and the environments it created.
 */
export interface TasksUploadReply {
  taskset_id: string;
  evalset_id: string;
  name: string;
  version: number;
  tasks_created: number;
  tasks_updated: number;
  tasks_unchanged: number;
  created: string[];
  updated: string[];
  unchanged: string[];
  environments_created: string[];
}

/** `GET /v2/tasksets/{id}/export`: `{name, tasks}` is what hud-python's `Taskset.from_api` reads. */
export interface TasksetExportReply {
  taskset_id: string;
  name: string;
  version: number;
  tasks: ExportedTask[];
}

/**
 * Tasksets (spec §5.2 `from_api`, §9.7 `hud sync tasks`):
 * - `GET /v2/tasksets/by-name/{name}` → `{taskset_id, name, version, task_count, …}` (404 when none);
 * - `GET /v2/tasksets/{id}/export` → {@link TasksetExportReply};
 * - `POST /v2/tasks/upload` `{taskset_name, tasks}` → {@link TasksUploadReply} (create / update /
 *   unchanged by slug, remote-only kept, duplicate slugs refused, unknown environments created);
 * - extras: `GET /v2/tasksets` `{items}`, `GET /v2/tasksets/{id}`, `GET /v2/tasksets/{id}/versions`
 *   `{items}`, `GET /v2/tasksets/{id}/tasks/{slug}/history` `{items}` (every version of a task).
 */
export function registerTasksetRoutes(app: FastifyInstance, context: RouteContext): void {
  const { tasksets } = context.store;

  const requireTaskset = async (teamId: string, raw: string): Promise<TasksetRecord> => {
    const id = canonicalUuid(raw);
    const taskset = id ? await tasksets.getTaskset(teamId, id) : undefined;
    if (!taskset) {
      throw new GatewayError(
        'not_found',
        `no taskset with id ${raw} (find one by name with GET /v2/tasksets/by-name/{name})`,
      );
    }
    return taskset;
  };

  app.get('/v2/tasksets', async (request): Promise<{ items: TasksetRecord[] }> => {
    return { items: await tasksets.listTasksets(authOf(request).teamId) };
  });

  app.get<{ Params: { name: string } }>(
    '/v2/tasksets/by-name/:name',
    async (request): Promise<TasksetRecord & { taskset_id: string }> => {
      const taskset = await tasksets.findTasksetByName(authOf(request).teamId, request.params.name);
      if (!taskset) throw new GatewayError('not_found', `no taskset named ${request.params.name}`);
      return { taskset_id: taskset.id, ...taskset };
    },
  );

  app.get<{ Params: { id: string } }>('/v2/tasksets/:id', async (request) => {
    return requireTaskset(authOf(request).teamId, request.params.id);
  });

  app.get<{ Params: { id: string } }>(
    '/v2/tasksets/:id/export',
    async (request): Promise<TasksetExportReply> => {
      const auth = authOf(request);
      const taskset = await requireTaskset(auth.teamId, request.params.id);
      const tasks = (await tasksets.exportTasks(auth.teamId, taskset.id)) ?? [];
      return { taskset_id: taskset.id, name: taskset.name, version: taskset.version, tasks };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v2/tasksets/:id/versions',
    async (request): Promise<{ items: TasksetVersion[] }> => {
      const auth = authOf(request);
      const taskset = await requireTaskset(auth.teamId, request.params.id);
      return { items: await tasksets.tasksetVersions(auth.teamId, taskset.id) };
    },
  );

  app.get<{ Params: { id: string; slug: string } }>(
    '/v2/tasksets/:id/tasks/:slug/history',
    async (request): Promise<{ items: TaskVersion[] }> => {
      const auth = authOf(request);
      const taskset = await requireTaskset(auth.teamId, request.params.id);
      const items = await tasksets.taskHistory(auth.teamId, taskset.id, request.params.slug);
      if (items.length === 0) {
        throw new GatewayError(
          'not_found',
          `taskset ${taskset.name} has no task ${request.params.slug}`,
        );
      }
      return { items };
    },
  );

  app.post(
    '/v2/tasks/upload',
    { bodyLimit: context.limits.tasks },
    async (request): Promise<TasksUploadReply> => {
      const auth = authOf(request);
      const body = parseWith(TasksUpload, request.body ?? {}, 'body');
      const tasks: TaskInput[] = body.tasks.map((task) => ({
        slug: task.name,
        env: task.env.name,
        taskId: task.task_id,
        args: task.args,
        validation: task.validation ?? null,
        agentConfig: task.agent_config ?? null,
        columns: task.columns ?? null,
        runtimeConfig: task.runtime_config ?? null,
        verifier: task.verifier ?? null,
      }));
      const result = await tasksets.uploadTasks({
        teamId: auth.teamId,
        tasksetName: body.taskset_name,
        tasks,
        keyId: auth.keyId,
      });
      return {
        taskset_id: result.taskset.id,
        evalset_id: result.taskset.id,
        name: result.taskset.name,
        version: result.version,
        tasks_created: result.created.length,
        tasks_updated: result.updated.length,
        tasks_unchanged: result.unchanged.length,
        created: result.created,
        updated: result.updated,
        unchanged: result.unchanged,
        environments_created: result.environmentsCreated,
      };
    },
  );
}
