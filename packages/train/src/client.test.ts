import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeTrainer, startFakeTrainer } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrainingExample } from './batch.js';
import { TrainingClient } from './client.js';
import { TrainingError } from './errors.js';

const MODEL = '3f2a9c1e-7b4d-4e0f-9a8b-7c6d5e4f3a2b';
const trainers: FakeTrainer[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const trainer of trainers.splice(0)) await trainer.close();
  for (const close of closers.splice(0)) close();
});

async function trainer(options: Parameters<typeof startFakeTrainer>[0] = {}) {
  const fake = await startFakeTrainer({ apiKey: 'k', ...options });
  trainers.push(fake);
  return fake;
}

/** A group of runs as `hud jobs export --format rl` writes them (the fields the client reads). */
const group = (id: string, rewards: number[], withTokens = false): TrainingExample[] =>
  rewards.map((reward, index) => ({
    trace_id: `${id}-${index}`,
    group_id: id,
    reward,
    stop_reason: 'done',
    ...(withTokens
      ? {
          samples: [
            { prompt_token_ids: [1, 2], output_token_ids: [7, 8], output_logprobs: [-0.1, -0.2] },
          ],
        }
      : {}),
  }));

describe('TrainingClient request shapes (against a fake trainer)', () => {
  it('step: forward-backward with hud-python defaults, then optim-step with Adam defaults', async () => {
    const fake = await trainer();
    const client = new TrainingClient({ model: MODEL, apiKey: 'k', baseUrl: fake.url });
    const batch = [...group('a', [1, 0], true), ...group('b', [0, 0])];
    const result = await client.step(batch, { groupSize: 2, learningRate: 1e-5 });
    expect(result).toEqual({
      step: 1,
      checkpoint_id: 'ckpt-1',
      sampler_path: `tinker://fake/${MODEL}/sampler_weights/1`,
      state_path: `tinker://fake/${MODEL}/weights/1`,
      model: MODEL,
    });
    expect(
      fake.requests.map((request) => [request.method, request.operation, request.modelId]),
    ).toEqual([
      ['POST', 'forward-backward', MODEL],
      ['POST', 'optim-step', MODEL],
    ]);
    expect(fake.requests[0]?.body).toEqual({
      inputs: [
        {
          samples: [
            { prompt_token_ids: [1, 2], output_token_ids: [7, 8], output_logprobs: [-0.1, -0.2] },
          ],
          reward: 1,
          trace_id: 'a-0',
        },
        {
          samples: [
            { prompt_token_ids: [1, 2], output_token_ids: [7, 8], output_logprobs: [-0.1, -0.2] },
          ],
          reward: 0,
          trace_id: 'a-1',
        },
        'b-0',
        'b-1',
      ],
      loss_fn: 'importance_sampling',
      group_size: 2,
      reward_scale: 1,
      num_substeps: 1,
    });
    expect(fake.requests[1]?.body).toEqual({
      learning_rate: 1e-5,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weight_decay: 0,
    });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer k');
  });

  it('forward then backward with the forward id and weights; losses; loss options passed through', async () => {
    const fake = await trainer();
    const client = new TrainingClient({ model: MODEL, apiKey: 'k', baseUrl: `${fake.url}/` });
    const forward = await client.forward(['t1', 't2'], { rewardScale: 2 });
    expect(forward.forward_id).toBe('fwd-1');
    expect(forward.data).toHaveLength(2);
    const backward = await client.backward(
      forward.forward_id,
      [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
      {
        metrics: { custom: 1 },
      },
    );
    expect(backward).toEqual({ metrics: { loss: 0.3 }, num_datums: 2 });
    await client.forwardBackward(['t3'], {
      lossFn: 'ppo',
      lossFnConfig: { clip: 0.2 },
      numSubsteps: 2,
    });
    expect(await client.availableLosses()).toContain('cispo');
    expect(fake.requests.map((request) => request.body)).toEqual([
      { inputs: ['t1', 't2'], reward_scale: 2 },
      {
        forward_id: 'fwd-1',
        weights: [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        metrics: { custom: 1 },
      },
      {
        inputs: ['t3'],
        loss_fn: 'ppo',
        loss_fn_config: { clip: 0.2 },
        reward_scale: 1,
        num_substeps: 2,
      },
      undefined,
    ]);
  });

  it('never retries a training POST: a 503 or a dropped connection is one request and an error', async () => {
    const fake = await trainer({
      respond: () => ({ status: 503, body: { detail: 'trainer busy' } }),
    });
    const client = new TrainingClient({ model: MODEL, apiKey: 'k', baseUrl: fake.url });
    const error = await client.optimStep({ learningRate: 1e-4 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrainingError);
    expect(error).toMatchObject({ code: 'http_error', status: 503 });
    expect((error as Error).message).toBe(
      `POST /v1/models/${MODEL}/train/optim-step answered 503: trainer busy`,
    );
    expect(fake.requests).toHaveLength(1);

    // A server that accepts the connection and closes it without answering.
    const hangUp = createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    closers.push(() => hangUp.close());
    let connections = 0;
    hangUp.on('connection', () => connections++);
    const port = (hangUp.address() as AddressInfo).port;
    const dropped = new TrainingClient({
      model: MODEL,
      apiKey: 'k',
      baseUrl: `http://127.0.0.1:${port}`,
    });
    const failure = await dropped.forwardBackward(['t']).catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ code: 'request_failed' });
    expect((failure as Error).message).toMatch(/not retried/);
    expect(connections).toBe(1);
  });

  it('names a trainer answer of the wrong shape', async () => {
    const fake = await trainer({ respond: () => ({ status: 200, body: { metrics: 'x' } }) });
    const client = new TrainingClient({ model: MODEL, apiKey: 'k', baseUrl: fake.url });
    await expect(client.forwardBackward(['t'])).rejects.toThrow(
      /POST train\/forward-backward: unexpected answer: metrics: .*; num_datums: /,
    );
  });
});

describe('client-side group checks', () => {
  const client = () =>
    new TrainingClient({ model: MODEL, apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });

  it('refuses a batch not divisible by the group size, an incomplete group, a timeout and a run without a verdict', async () => {
    await expect(client().forwardBackward(group('a', [1, 0, 1]), { groupSize: 2 })).rejects.toThrow(
      'a batch of 3 is not divisible by group_size 2',
    );
    const uneven = [...group('a', [1, 0, 1]), ...group('b', [1])];
    await expect(client().forwardBackward(uneven, { groupSize: 2 })).rejects.toThrow(
      'group a has 3 runs, not group_size 2: send complete groups',
    );
    const timedOut = [{ ...group('a', [1])[0], stop_reason: 'timeout' } as TrainingExample];
    await expect(client().forwardBackward(timedOut)).rejects.toThrow(/stopped on a timeout/);
    await expect(
      client().forwardBackward([{ trace_id: 't', reward: null, group_id: 'g' }]),
    ).rejects.toThrow(
      'input 0 (trace t): the run has no verdict (reward null); leave it out of the batch',
    );
    await expect(client().forwardBackward([])).rejects.toThrow('the batch is empty');
    await expect(client().optimStep({ learningRate: 0 })).rejects.toThrow(
      'learning_rate must be a number > 0, got 0',
    );
  });

  it('makes each group adjacent and warns when no group has reward spread', async () => {
    const fake = await trainer();
    const warnings: string[] = [];
    const client = new TrainingClient({
      model: MODEL,
      apiKey: 'k',
      baseUrl: fake.url,
      onWarning: (message) => warnings.push(message),
    });
    const [a0, a1] = group('a', [1, 1]);
    const [b0, b1] = group('b', [0, 0]);
    await client.forwardBackward([a0, b0, a1, b1] as TrainingExample[], { groupSize: 2 });
    const sent = fake.requests[0]?.body as { inputs: string[] };
    expect(sent.inputs).toEqual(['a-0', 'a-1', 'b-0', 'b-1']);
    expect(warnings).toEqual([
      'no group of the batch has reward spread (all 2 groups have equal rewards): every GRPO advantage is 0 and the step learns nothing',
    ]);
    await client.forwardBackward(group('c', [1, 0]), { groupSize: 2 });
    expect(warnings).toHaveLength(1);
  });
});

describe('models and checkpoints on the HUD API', () => {
  it('resolves a model name once, lists checkpoints, finds the head and sets it', async () => {
    const seen: string[] = [];
    const api = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.setHeader('content-type', 'application/json');
      if (request.url?.startsWith('/v2/models/resolve'))
        return response.end(JSON.stringify({ id: MODEL }));
      if (request.url?.endsWith('/checkpoints')) {
        return response.end(
          JSON.stringify([
            { id: 'c1', is_active: false, learning_rate: 1e-5 },
            { id: 'c2', is_active: true, metrics: { loss: 0.4 } },
          ]),
        );
      }
      return response.end(
        JSON.stringify({
          model_id: MODEL,
          checkpoint_id: 'c1',
          checkpoint: { id: 'c1', is_active: true },
        }),
      );
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    closers.push(() => api.close());
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const client = new TrainingClient({ model: 'my qwen', apiKey: 'k', apiUrl });
    expect((await client.checkpoints()).map((checkpoint) => checkpoint.id)).toEqual(['c1', 'c2']);
    expect((await client.head())?.id).toBe('c2');
    expect(await client.setHead('c1')).toEqual({ id: 'c1', is_active: true });
    expect(seen).toEqual([
      'GET /v2/models/resolve?model=my%20qwen',
      `GET /v2/models/${MODEL}/checkpoints`,
      `GET /v2/models/${MODEL}/checkpoints`,
      `PUT /v2/models/${MODEL}/head`,
    ]);
  });
});
