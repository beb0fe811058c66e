import fastify, { type FastifyInstance } from 'fastify';

/** One request the fake trainer received. */
export interface TrainerRequest {
  method: string;
  /** `forward-backward`, `forward`, `backward`, `optim-step`, `losses`. */
  operation: string;
  modelId: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** A scripted answer replacing the fake's own: an HTTP status and a JSON body. */
export interface TrainerAnswer {
  status: number;
  body: unknown;
}

/** Options of {@link startFakeTrainer}. */
export interface FakeTrainerOptions {
  /** Answers a training call instead of the fake (return undefined to let the fake answer). */
  respond?: (request: TrainerRequest) => TrainerAnswer | undefined;
  /** The key every request must carry as `Authorization: Bearer <key>`; default: any key. */
  apiKey?: string;
}

/** A running fake trainer: its URL, what it received, `close()`. */
export interface FakeTrainer extends AsyncDisposable {
  url: string;
  requests: TrainerRequest[];
  close(): Promise<void>;
}

/** The losses the fake offers (hud-python's built-in ones). */
export const FAKE_LOSSES = ['cross_entropy', 'importance_sampling', 'ppo', 'cispo', 'dro'];

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNum = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const isInt = (value: unknown) => Number.isInteger(value);
const ints = (value: unknown) => Array.isArray(value) && value.every(isInt);
const nums = (value: unknown) => Array.isArray(value) && value.every(isNum);

/** `body`'s keys against `fields` (required when true); `exclude_none`: a null value is a problem too. */
function shape(body: unknown, fields: Record<string, boolean>, problems: string[]): body is Obj {
  if (!isObj(body)) {
    problems.push('body: expected a JSON object');
    return false;
  }
  for (const [key, value] of Object.entries(body)) {
    if (!(key in fields)) problems.push(`${key}: unexpected field`);
    else if (value === null)
      problems.push(`${key}: null is sent as an absent field (exclude_none)`);
  }
  for (const [key, required] of Object.entries(fields)) {
    if (required && !(key in body)) problems.push(`${key}: missing`);
  }
  return true;
}

function checkInputs(inputs: unknown, problems: string[]): void {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    problems.push('inputs: expected a non-empty list');
    return;
  }
  inputs.forEach((input, index) => {
    if (typeof input === 'string') return;
    const at = `inputs.${index}`;
    if (!isObj(input) || !Array.isArray(input.samples) || input.samples.length === 0) {
      problems.push(`${at}: expected a trace id or {samples (≥ 1), reward, trace_id?}`);
      return;
    }
    if (!isNum(input.reward)) problems.push(`${at}.reward: expected a number`);
    input.samples.forEach((sample: unknown, position: number) => {
      const where = `${at}.samples.${position}`;
      if (!isObj(sample) || !ints(sample.output_token_ids)) {
        problems.push(`${where}.output_token_ids: expected integers`);
      } else if (sample.output_logprobs != null && !nums(sample.output_logprobs)) {
        problems.push(`${where}.output_logprobs: expected numbers`);
      }
    });
  });
}

/** The request problems of training `operation` (hud-python 0.6.16 request models, spec §11). */
function problemsOf(operation: string, body: unknown): string[] {
  const problems: string[] = [];
  if (operation === 'forward-backward') {
    const fields = {
      inputs: true,
      loss_fn: true,
      loss_fn_config: false,
      group_size: false,
      reward_scale: true,
      num_substeps: true,
    };
    if (!shape(body, fields, problems)) return problems;
    checkInputs(body.inputs, problems);
    if (typeof body.loss_fn !== 'string') problems.push('loss_fn: expected a string');
    if ('group_size' in body && !(isInt(body.group_size) && (body.group_size as number) >= 1))
      problems.push('group_size: expected an integer ≥ 1');
    if (!isNum(body.reward_scale)) problems.push('reward_scale: expected a number');
    if (!isInt(body.num_substeps)) problems.push('num_substeps: expected an integer');
  } else if (operation === 'forward') {
    if (!shape(body, { inputs: true, group_size: false, reward_scale: true }, problems))
      return problems;
    checkInputs(body.inputs, problems);
    if (!isNum(body.reward_scale)) problems.push('reward_scale: expected a number');
  } else if (operation === 'backward') {
    if (!shape(body, { forward_id: true, weights: true, metrics: false }, problems))
      return problems;
    if (typeof body.forward_id !== 'string') problems.push('forward_id: expected a string');
    if (!Array.isArray(body.weights) || !body.weights.every(nums))
      problems.push('weights: expected a list of lists of numbers');
  } else if (operation === 'optim-step') {
    const fields = { learning_rate: true, beta1: true, beta2: true, eps: true, weight_decay: true };
    if (!shape(body, fields, problems)) return problems;
    if (!(isNum(body.learning_rate) && (body.learning_rate as number) > 0))
      problems.push('learning_rate: expected a number > 0');
    for (const key of ['beta1', 'beta2', 'eps', 'weight_decay']) {
      if (!isNum(body[key])) problems.push(`${key}: expected a number`);
    }
  }
  return problems;
}

/**
 * A fake RL trainer (the `POST /v1/models/{id}/train/*` API of hud-python 0.6.16's training service, spec
 * §11) on 127.0.0.1: checks each request's shape strictly (required fields, no unknown ones, no nulls; a
 * problem answers 422 `{detail}` naming every field at fault, as FastAPI does) and answers recorded result
 * shapes — forward-backward `{metrics: {loss, kl}, num_datums}`, forward `{forward_id, data}`, backward,
 * optim-step `{step, checkpoint_id: ckpt-<n>, sampler_path, state_path, model}`, `GET …/losses`. There is no
 * trainer on the test machines: this stands in for a Tinker-compatible or HUD RL service.
 */
export async function startFakeTrainer(options: FakeTrainerOptions = {}): Promise<FakeTrainer> {
  const app: FastifyInstance = fastify();
  const requests: TrainerRequest[] = [];
  let steps = 0;
  let forwards = 0;
  app.addHook('onRequest', async (request, reply) => {
    const auth = request.headers.authorization;
    if (!auth?.startsWith('Bearer ') || (options.apiKey && auth !== `Bearer ${options.apiKey}`)) {
      return reply.status(401).send({ detail: 'missing or wrong API key' });
    }
  });
  const record = (
    operation: string,
    modelId: string,
    body: unknown,
    headers: TrainerRequest['headers'],
    method: string,
  ) => {
    const request: TrainerRequest = { method, operation, modelId, body, headers };
    requests.push(request);
    return request;
  };
  app.get<{ Params: { id: string } }>('/v1/models/:id/train/losses', async (request) => {
    const recorded = record('losses', request.params.id, undefined, request.headers, 'GET');
    const scripted = options.respond?.(recorded);
    return scripted ? scripted.body : { losses: FAKE_LOSSES };
  });
  app.post<{ Params: { id: string; operation: string } }>(
    '/v1/models/:id/train/:operation',
    async (request, reply) => {
      const { id, operation } = request.params;
      const recorded = record(operation, id, request.body, request.headers, 'POST');
      const scripted = options.respond?.(recorded);
      if (scripted) return reply.status(scripted.status).send(scripted.body);
      if (!['forward-backward', 'forward', 'backward', 'optim-step'].includes(operation)) {
        return reply.status(404).send({ detail: `no training operation '${operation}'` });
      }
      const problems = problemsOf(operation, request.body);
      if (problems.length > 0) return reply.status(422).send({ detail: problems.join('; ') });
      const body = request.body as Obj;
      if (operation === 'forward-backward') {
        return { metrics: { loss: 0.42, kl: 0.01 }, num_datums: (body.inputs as unknown[]).length };
      }
      if (operation === 'forward') {
        forwards++;
        const size = body.group_size as number | undefined;
        return {
          forward_id: `fwd-${forwards}`,
          data: (body.inputs as unknown[]).map((input, index) => ({
            reward: isObj(input) && isNum(input.reward) ? input.reward : 0,
            traj_idx: index,
            group_idx: size ? Math.floor(index / size) : null,
            logprobs: [-0.5, -0.25],
            sampling_logprobs: [-0.5, -0.3],
            mask: [1, 1],
          })),
        };
      }
      if (operation === 'backward') {
        return { metrics: { loss: 0.3 }, num_datums: (body.weights as unknown[]).length };
      }
      steps++;
      return {
        step: steps,
        checkpoint_id: `ckpt-${steps}`,
        sampler_path: `tinker://fake/${id}/sampler_weights/${steps}`,
        state_path: `tinker://fake/${id}/weights/${steps}`,
        model: id,
      };
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = async () => {
    await app.close();
  };
  return { url: `http://127.0.0.1:${port}`, requests, close, [Symbol.asyncDispose]: close };
}
