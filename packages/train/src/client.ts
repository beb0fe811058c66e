import type { z } from 'zod';
import { prepareBatch, type TrainingInput } from './batch.js';
import { TrainingError } from './errors.js';
import {
  type Checkpoint,
  CheckpointSchema,
  type ForwardBackwardResult,
  ForwardBackwardResultSchema,
  type ForwardResult,
  ForwardResultSchema,
  type LossFn,
  type OptimStepResult,
  OptimStepResultSchema,
} from './schemas.js';

/** The RL service hud-python uses by default (`HUD_RL_URL`). */
export const DEFAULT_RL_URL = 'https://rl.hud.ai';
/** The HUD API hud-python uses by default (`HUD_API_URL`). */
export const DEFAULT_API_URL = 'https://api.hud.ai';

/** Options of {@link TrainingClient}. */
export interface TrainingClientOptions {
  /** The model to train: its id (a UUID, used as is) or its name (resolved with `GET {apiUrl}/v2/models/resolve`). */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` to both services. */
  apiKey: string;
  /** The RL service (training calls); default {@link DEFAULT_RL_URL}. A HUD gateway started with `--trainer-url` serves it too. */
  baseUrl?: string;
  /** The HUD API (model resolution, checkpoints, head); default {@link DEFAULT_API_URL}. */
  apiUrl?: string;
  /** Per-request time limit, ms; default 600,000 (a step on a large batch is slow). */
  timeoutMs?: number;
  /** Called with each warning (a batch without reward spread); the library prints nothing itself. */
  onWarning?: (message: string) => void;
  /** The fetch to use (tests, proxies); default the global one. */
  fetch?: typeof fetch;
}

/** Options of {@link TrainingClient.forwardBackward}. */
export interface ForwardBackwardOptions {
  /** Default `importance_sampling`. */
  lossFn?: LossFn;
  lossFnConfig?: Record<string, unknown>;
  /** Runs per group (turns on the group checks). */
  groupSize?: number;
  /** Default 1. */
  rewardScale?: number;
  /** Default 1. */
  numSubsteps?: number;
}

/** Options of {@link TrainingClient.optimStep} (Adam). */
export interface OptimStepOptions {
  /** > 0. */
  learningRate: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.95. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Default 0. */
  weightDecay?: number;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * The training client of hud-python 0.6.16 (`hud.train.TrainingClient`, spec §11) with its request
 * shapes: `POST {baseUrl}/v1/models/{id}/train/{forward-backward|forward|backward|optim-step}` (bodies in
 * snake_case, unset options left out), `GET …/train/losses`, checkpoints and head on the HUD API. Inputs
 * pass the client-side group checks ({@link prepareBatch}). Training POSTs are **never retried**: a step
 * applied twice would train twice.
 * @example
 * const client = new TrainingClient({ model: 'my-qwen', apiKey, baseUrl: 'http://127.0.0.1:8080' });
 * const lines = (await readFile('runs.jsonl', 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
 * const result = await client.step(lines, { groupSize: 4, learningRate: 1e-5 });
 * console.log(result.checkpoint_id);
 */
export class TrainingClient {
  readonly #options: TrainingClientOptions;
  readonly #rl: string;
  readonly #api: string;
  #modelId: Promise<string> | undefined;

  constructor(options: TrainingClientOptions) {
    if (!options.model?.trim())
      throw new TrainingError('invalid_argument', 'model: a model id or name is required');
    if (!options.apiKey?.trim())
      throw new TrainingError('invalid_argument', 'apiKey: an API key is required');
    this.#options = options;
    this.#rl = trimSlash(options.baseUrl ?? DEFAULT_RL_URL);
    this.#api = trimSlash(options.apiUrl ?? DEFAULT_API_URL);
  }

  /** The model's id: as given when it is a UUID, else resolved once by name. @throws TrainingError */
  modelId(): Promise<string> {
    const model = this.#options.model.trim();
    this.#modelId ??= UUID.test(model)
      ? Promise.resolve(model)
      : this.#request(
          'GET',
          `${this.#api}/v2/models/resolve?model=${encodeURIComponent(model)}`,
          undefined,
        ).then((body) => {
          const id = (body as { id?: unknown } | null)?.id;
          if (typeof id !== 'string') {
            throw new TrainingError(
              'invalid_response',
              `GET /v2/models/resolve?model=${model}: the answer has no id`,
            );
          }
          return id;
        });
    this.#modelId.catch(() => {
      this.#modelId = undefined;
    });
    return this.#modelId;
  }

  /** One forward and backward pass over `batch` (gradients accumulate until {@link optimStep}). */
  async forwardBackward(
    batch: readonly TrainingInput[],
    options: ForwardBackwardOptions = {},
  ): Promise<ForwardBackwardResult> {
    const { inputs } = prepareBatch(batch, {
      groupSize: options.groupSize,
      warn: this.#options.onWarning,
    });
    return this.#train('forward-backward', ForwardBackwardResultSchema, {
      inputs,
      loss_fn: options.lossFn ?? 'importance_sampling',
      loss_fn_config: options.lossFnConfig,
      group_size: options.groupSize,
      reward_scale: options.rewardScale ?? 1,
      num_substeps: options.numSubsteps ?? 1,
    });
  }

  /** A forward pass only: the logprobs per datum and a `forward_id` for {@link backward}. */
  async forward(
    batch: readonly TrainingInput[],
    options: { groupSize?: number; rewardScale?: number } = {},
  ): Promise<ForwardResult> {
    const { inputs } = prepareBatch(batch, {
      groupSize: options.groupSize,
      warn: this.#options.onWarning,
    });
    return this.#train('forward', ForwardResultSchema, {
      inputs,
      group_size: options.groupSize,
      reward_scale: options.rewardScale ?? 1,
    });
  }

  /** The backward pass of a {@link forward}: `weights[datum][token]` = −dC/dlogprob of your own loss. */
  async backward(
    forwardId: string,
    weights: readonly (readonly number[])[],
    options: { metrics?: Record<string, number> } = {},
  ): Promise<ForwardBackwardResult> {
    if (!forwardId) throw new TrainingError('invalid_argument', 'backward: forwardId is required');
    if (!weights.every((row) => row.every((value) => Number.isFinite(value)))) {
      throw new TrainingError('invalid_argument', 'backward: every weight must be a finite number');
    }
    return this.#train('backward', ForwardBackwardResultSchema, {
      forward_id: forwardId,
      weights,
      metrics: options.metrics,
    });
  }

  /** Applies the accumulated gradients (Adam) and makes a checkpoint. */
  async optimStep(options: OptimStepOptions): Promise<OptimStepResult> {
    const rate = options.learningRate;
    if (!(Number.isFinite(rate) && rate > 0)) {
      throw new TrainingError(
        'invalid_argument',
        `learning_rate must be a number > 0, got ${rate}`,
      );
    }
    return this.#train('optim-step', OptimStepResultSchema, {
      learning_rate: rate,
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.95,
      eps: options.eps ?? 1e-8,
      weight_decay: options.weightDecay ?? 0,
    });
  }

  /** {@link forwardBackward} then {@link optimStep}: one training step. */
  async step(
    batch: readonly TrainingInput[],
    options: ForwardBackwardOptions & OptimStepOptions,
  ): Promise<OptimStepResult> {
    if (!(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
      throw new TrainingError(
        'invalid_argument',
        `learning_rate must be a number > 0, got ${options.learningRate}`,
      );
    }
    await this.forwardBackward(batch, options);
    return this.optimStep(options);
  }

  /** The loss names the service offers (`GET …/train/losses`). */
  async availableLosses(): Promise<string[]> {
    const id = await this.modelId();
    const body = (await this.#request(
      'GET',
      `${this.#rl}/v1/models/${id}/train/losses`,
      undefined,
    )) as {
      losses?: unknown;
    };
    if (!Array.isArray(body?.losses)) {
      throw new TrainingError('invalid_response', 'GET train/losses: expected {"losses": [...]}');
    }
    return body.losses.map(String);
  }

  /** The model's checkpoints, oldest first (`GET {apiUrl}/v2/models/{id}/checkpoints`). */
  async checkpoints(): Promise<Checkpoint[]> {
    const id = await this.modelId();
    const body = await this.#request('GET', `${this.#api}/v2/models/${id}/checkpoints`, undefined);
    return this.#parse(CheckpointSchema.array(), body, 'GET checkpoints');
  }

  /** The checkpoint serving as the model's head (the active one), or undefined before the first. */
  async head(): Promise<Checkpoint | undefined> {
    return (await this.checkpoints()).find((checkpoint) => checkpoint.is_active === true);
  }

  /** Makes `checkpointId` the model's head (`PUT {apiUrl}/v2/models/{id}/head`). */
  async setHead(checkpointId: string): Promise<Checkpoint> {
    const id = await this.modelId();
    const body = (await this.#request('PUT', `${this.#api}/v2/models/${id}/head`, {
      checkpoint_id: checkpointId,
    })) as { checkpoint?: unknown };
    return this.#parse(CheckpointSchema, body?.checkpoint ?? body, 'PUT head');
  }

  async #train<T extends z.ZodType>(
    operation: string,
    schema: T,
    body: Record<string, unknown>,
  ): Promise<z.infer<T>> {
    const id = await this.modelId();
    const answer = await this.#request(
      'POST',
      `${this.#rl}/v1/models/${id}/train/${operation}`,
      body,
    );
    return this.#parse(schema, answer, `POST train/${operation}`);
  }

  #parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new TrainingError(
        'invalid_response',
        `${what}: unexpected answer: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }

  /** One request, never retried; JSON in and out; `undefined` values left out of the body. */
  async #request(method: string, url: string, body: unknown): Promise<unknown> {
    const fetcher = this.#options.fetch ?? fetch;
    const where = `${method} ${new URL(url).pathname}`;
    let response: Response;
    try {
      response = await fetcher(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#options.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 600_000),
      });
    } catch (error) {
      throw new TrainingError(
        'request_failed',
        `${where} got no answer (${(error as Error).message}); not retried: a training call may have been applied, check checkpoints() first`,
        { cause: error },
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const detail =
        (json as { error?: { message?: unknown }; detail?: unknown } | undefined)?.error?.message ??
        (json as { detail?: unknown } | undefined)?.detail ??
        text.slice(0, 300);
      const error = new TrainingError(
        'http_error',
        `${where} answered ${response.status}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`,
      );
      error.status = response.status;
      throw error;
    }
    if (json === undefined) {
      throw new TrainingError(
        'invalid_response',
        `${where}: the answer is not JSON: ${text.slice(0, 200)}`,
      );
    }
    return json;
  }
}
