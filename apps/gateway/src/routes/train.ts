import type { FastifyInstance, FastifyReply } from 'fastify';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import type { RouteContext } from './context.js';

/** Where the gateway forwards training calls (`hud-gateway --trainer-url`). */
export interface TrainerOptions {
  /** The trainer's base URL (a Tinker-compatible or HUD RL service speaking `/v1/models/{id}/train/*`). */
  url: string;
  /** Sent as `Authorization: Bearer <key>` to the trainer (callers' gateway keys are never forwarded). */
  apiKey?: string;
  /** Per-call limit, ms; default 600,000. */
  timeoutMs?: number;
}

const OPERATIONS = new Set(['forward-backward', 'forward', 'backward', 'optim-step']);

/** What the last forward-backward of a model told us, kept for the checkpoint its optim-step makes. */
interface PendingStep {
  numTraces: number;
  numDatums: number | null;
  lossFn: string | null;
  metrics: Record<string, number> | null;
  meanReward: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function pendingOf(request: unknown, result: unknown): PendingStep {
  const inputs = isObj(request) && Array.isArray(request.inputs) ? request.inputs : [];
  const rewards = inputs
    .map((input) => (isObj(input) && typeof input.reward === 'number' ? input.reward : undefined))
    .filter((reward): reward is number => reward !== undefined);
  const metrics = isObj(result) && isObj(result.metrics) ? result.metrics : null;
  return {
    numTraces: inputs.length,
    numDatums: isObj(result) && typeof result.num_datums === 'number' ? result.num_datums : null,
    lossFn: isObj(request) && typeof request.loss_fn === 'string' ? request.loss_fn : null,
    metrics: metrics
      ? Object.fromEntries(Object.entries(metrics).filter(([, value]) => typeof value === 'number'))
      : null,
    meanReward:
      rewards.length > 0 ? rewards.reduce((sum, reward) => sum + reward, 0) / rewards.length : null,
  } as PendingStep;
}

const noTrainer = () =>
  new GatewayError(
    'unavailable',
    'no trainer is configured: start the gateway with --trainer-url <url>',
  );

// 502 answers (the trainer, not the gateway, failed) are written here: the gateway's error codes have no
// upstream-failure code, and the LLM routes answer theirs the same way.

/**
 * The training routes of hud-python's RL service (spec §11), forwarded to a trainer: `POST
 * /v1/models/{id}/train/{forward-backward|forward|backward|optim-step}` and `GET …/train/losses`. The model
 * must be one the caller's team sees (404 otherwise); the body goes to the trainer as it came and the
 * trainer's answer comes back as it is, each call once (training calls are never retried; an unreachable
 * trainer is a 502). A successful optim-step is recorded as a checkpoint of the model (`learning_rate`
 * from the request; `num_traces`, `num_datums`, `loss_fn`, `metrics` and `mean_reward` from the model's
 * last forward-backward): the answer's `checkpoint_id` is then the gateway's checkpoint id (usable with
 * `PUT /v2/models/{id}/head`) and `trainer_checkpoint_id` the trainer's own, which is also the checkpoint's
 * `checkpoint_name`. Without `trainer`, every route answers 503 naming `--trainer-url`.
 */
export function registerTrainRoutes(
  app: FastifyInstance,
  context: RouteContext,
  trainer: TrainerOptions | undefined,
): void {
  const pending = new Map<string, PendingStep>();

  const forward = async (
    method: string,
    path: string,
    body: unknown,
    reply: FastifyReply,
  ): Promise<{ ok: boolean; json: unknown }> => {
    if (!trainer) throw noTrainer();
    let response: Response;
    try {
      response = await fetch(`${trainer.url.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(trainer.apiKey ? { authorization: `Bearer ${trainer.apiKey}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(trainer.timeoutMs ?? 600_000),
      });
    } catch (error) {
      reply.status(502);
      const message = `the trainer did not answer ${method} ${path} (${(error as Error).message}); not retried`;
      return { ok: false, json: { error: { code: 'bad_gateway', message } } };
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (json === undefined) {
      reply.status(502);
      const message = `the trainer answered ${method} ${path} with ${response.status} and a body that is not JSON`;
      return { ok: false, json: { error: { code: 'bad_gateway', message } } };
    }
    reply.status(response.status);
    return { ok: response.ok, json };
  };

  const model = async (teamId: string, id: string) => {
    if (!trainer) throw noTrainer();
    const found = await context.store.models.getModel(teamId, id);
    if (!found) {
      throw new GatewayError(
        'not_found',
        `no model with id ${id} (resolve a name with GET /v2/models/resolve?model=<name>)`,
      );
    }
    return found;
  };

  app.get<{ Params: { id: string } }>('/v1/models/:id/train/losses', async (request, reply) => {
    const found = await model(authOf(request).teamId, request.params.id);
    return (await forward('GET', `/v1/models/${found.id}/train/losses`, undefined, reply)).json;
  });

  app.post<{ Params: { id: string; operation: string } }>(
    '/v1/models/:id/train/:operation',
    { bodyLimit: context.limits.telemetry },
    async (request, reply) => {
      const { operation } = request.params;
      if (!OPERATIONS.has(operation)) {
        throw new GatewayError(
          'not_found',
          `no training operation '${operation}' (forward-backward, forward, backward, optim-step)`,
        );
      }
      const teamId = authOf(request).teamId;
      const found = await model(teamId, request.params.id);
      const path = `/v1/models/${found.id}/train/${operation}`;
      const { ok, json } = await forward('POST', path, request.body, reply);
      const key = `${teamId}:${found.id}`;
      if (!ok) return json;
      if (operation === 'forward-backward') pending.set(key, pendingOf(request.body, json));
      if (operation !== 'optim-step' || !isObj(json) || typeof json.checkpoint_id !== 'string') {
        return json;
      }
      const step = pending.get(key);
      pending.delete(key);
      const learningRate = isObj(request.body) ? request.body.learning_rate : undefined;
      const checkpoint = await context.store.models.addCheckpoint({
        modelId: found.id,
        name: typeof json.step === 'number' ? `step ${json.step}` : null,
        checkpointName: json.checkpoint_id,
        prevModelCheckpointId: found.head_checkpoint_id,
        learningRate: typeof learningRate === 'number' ? learningRate : null,
        numTraces: step?.numTraces ?? null,
        numDatums: step?.numDatums ?? null,
        lossFn: step?.lossFn ?? null,
        metrics: step?.metrics ?? null,
        meanReward: step?.meanReward ?? null,
      });
      return { ...json, checkpoint_id: checkpoint.id, trainer_checkpoint_id: json.checkpoint_id };
    },
  );
}
