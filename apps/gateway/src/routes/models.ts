import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { ModelFork, ModelHead } from '../schemas/platform.js';
import type { CheckpointRecord, ModelRecord } from '../store/areas/models.js';
import type { RouteContext } from './context.js';

const ResolveQuery = z.looseObject({ model: z.string().min(1).max(256) });

/**
 * Models (spec §7.3 catalog, §9.8 `hud models`, §11 training client):
 * - `GET /v2/models` → `{items: [ModelRecord…]}` (`{id, name, model_name, sdk_agent_type, is_trainable,
 *   provider: {name}}` and more): the shared catalog and the team's forks;
 * - `GET /v2/models/resolve?model=` → the {@link ModelRecord} whose id, name or `model_name` matches
 *   (hud-python reads `id`); 404 when none;
 * - `POST /v2/models/fork` `{source_model_id, name}` → 201 and the new model (hud-python reads
 *   `model_name`, `id`, `name`); 409 when the name is taken (what `--if-not-exists` looks for);
 * - `GET /v2/models/{id}/checkpoints` → a JSON array of {@link CheckpointRecord} (hud-python reads a list);
 * - `PUT /v2/models/{id}/head` `{checkpoint_id}` → `{model_id, checkpoint_id, checkpoint}`.
 */
export function registerModelRoutes(app: FastifyInstance, context: RouteContext): void {
  const { models } = context.store;

  const requireModel = async (teamId: string, id: string): Promise<ModelRecord> => {
    const model = await models.getModel(teamId, id);
    if (!model) {
      throw new GatewayError(
        'not_found',
        `no model with id ${id} (resolve a name with GET /v2/models/resolve?model=<name>)`,
      );
    }
    return model;
  };

  app.get('/v2/models', async (request): Promise<{ items: ModelRecord[] }> => {
    return { items: await models.listModels(authOf(request).teamId) };
  });

  app.get('/v2/models/resolve', async (request): Promise<ModelRecord> => {
    const { model } = parseWith(ResolveQuery, request.query, 'query');
    const found = await models.resolveModel(authOf(request).teamId, model);
    if (!found) {
      throw new GatewayError('not_found', `no model named ${model} (GET /v2/models lists them)`);
    }
    return found;
  });

  app.post('/v2/models/fork', async (request, reply): Promise<ModelRecord> => {
    const body = parseWith(ModelFork, request.body ?? {}, 'body');
    const model = await models.forkModel({
      teamId: authOf(request).teamId,
      sourceId: body.source_model_id,
      name: body.name,
    });
    reply.status(201);
    return model;
  });

  app.get<{ Params: { id: string } }>('/v2/models/:id', async (request): Promise<ModelRecord> => {
    return requireModel(authOf(request).teamId, request.params.id);
  });

  app.get<{ Params: { id: string } }>(
    '/v2/models/:id/checkpoints',
    async (request): Promise<CheckpointRecord[]> => {
      const auth = authOf(request);
      const model = await requireModel(auth.teamId, request.params.id);
      return (await models.listCheckpoints(auth.teamId, model.id)) ?? [];
    },
  );

  app.put<{ Params: { id: string } }>(
    '/v2/models/:id/head',
    async (
      request,
    ): Promise<{ model_id: string; checkpoint_id: string; checkpoint: CheckpointRecord }> => {
      const auth = authOf(request);
      const body = parseWith(ModelHead, request.body ?? {}, 'body');
      const model = await requireModel(auth.teamId, request.params.id);
      const checkpoint = await models.setHead({
        teamId: auth.teamId,
        modelId: model.id,
        checkpointId: body.checkpoint_id,
      });
      return { model_id: model.id, checkpoint_id: checkpoint.id, checkpoint };
    },
  );
}
