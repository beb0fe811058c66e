import type { AddressInfo } from 'node:net';
import { type FakeTrainer, startFakeTrainer } from '@hud/testing';
import { TrainingClient, type TrainingExample } from '@hud/train';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';

let gateway: TestGateway;
let trainer: FakeTrainer | undefined;
afterEach(async () => {
  await disposeTestGateways();
  await trainer?.close();
  trainer = undefined;
});

/** A gateway forwarding to a fake trainer (which wants `trainer-key`), listening on 127.0.0.1. */
async function gatewayWithTrainer(): Promise<string> {
  trainer = await startFakeTrainer({ apiKey: 'trainer-key' });
  gateway = await testGateway({ trainer: { url: trainer.url, apiKey: 'trainer-key' } });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`;
}

async function fork(name: string): Promise<string> {
  const source = await gateway.call('GET', '/v2/models/resolve?model=moonshotai/kimi-k2.6');
  const forked = await gateway.call('POST', '/v2/models/fork', {
    body: { source_model_id: source.body.id, name },
  });
  return forked.body.id as string;
}

const runs: TrainingExample[] = [
  {
    trace_id: 't0',
    group_id: 'g',
    reward: 1,
    samples: [{ output_token_ids: [5], output_logprobs: [-0.1] }],
  },
  {
    trace_id: 't1',
    group_id: 'g',
    reward: 0,
    samples: [{ output_token_ids: [6], output_logprobs: [-0.2] }],
  },
];

describe('training through the gateway (--trainer-url)', () => {
  it('forwards a step to the trainer with its own key and records the checkpoint, which can become the head', async () => {
    const url = await gatewayWithTrainer();
    const modelId = await fork('my-kimi');
    const client = new TrainingClient({
      model: 'my-kimi',
      apiKey: gateway.adminKey,
      baseUrl: url,
      apiUrl: url,
    });
    const result = await client.step(runs, { groupSize: 2, learningRate: 2e-5, lossFn: 'ppo' });
    expect(result).toMatchObject({ step: 1, trainer_checkpoint_id: 'ckpt-1', model: modelId });
    expect(trainer?.requests.map((request) => [request.operation, request.modelId])).toEqual([
      ['forward-backward', modelId],
      ['optim-step', modelId],
    ]);
    // The trainer sees its own key, never the caller's gateway key.
    expect(trainer?.requests[0]?.headers.authorization).toBe('Bearer trainer-key');
    expect(trainer?.requests[0]?.body).toMatchObject({ loss_fn: 'ppo', group_size: 2 });

    const [checkpoint] = await client.checkpoints();
    expect(checkpoint).toMatchObject({
      id: result.checkpoint_id,
      name: 'step 1',
      checkpoint_name: 'ckpt-1',
      learning_rate: 2e-5,
      loss_fn: 'ppo',
      num_traces: 2,
      num_datums: 2,
      mean_reward: 0.5,
      metrics: { loss: 0.42, kl: 0.01 },
      is_active: false,
    });
    await client.setHead(result.checkpoint_id);
    expect((await client.head())?.id).toBe(result.checkpoint_id);
    expect(await client.availableLosses()).toContain('importance_sampling');
  });

  it("passes the trainer's refusal through as it is, and records nothing", async () => {
    const url = await gatewayWithTrainer();
    const modelId = await fork('my-kimi-2');
    const raw = await fetch(`${url}/v1/models/${modelId}/train/optim-step`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        learning_rate: -1,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weight_decay: 0,
      }),
    });
    expect(raw.status).toBe(422);
    expect(await raw.json()).toEqual({ detail: 'learning_rate: expected a number > 0' });
    expect((await gateway.call('GET', `/v2/models/${modelId}/checkpoints`)).body).toEqual([]);
  });

  it('answers 404 for a model the team cannot see, 503 without a trainer, 502 when the trainer is down', async () => {
    const url = await gatewayWithTrainer();
    const unknown = await gateway.call(
      'POST',
      '/v1/models/00000000-0000-0000-0000-000000000000/train/forward',
      {
        body: { inputs: ['t'], reward_scale: 1 },
      },
    );
    expect(unknown.status).toBe(404);
    const modelId = await fork('my-kimi-3');
    await trainer?.close();
    trainer = undefined;
    const down = await fetch(`${url}/v1/models/${modelId}/train/forward`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: ['t'], reward_scale: 1 }),
    });
    expect(down.status).toBe(502);
    expect(((await down.json()) as { error: { message: string } }).error.message).toMatch(
      /^the trainer did not answer POST \/v1\/models\/.*\/train\/forward .*not retried$/,
    );

    await disposeTestGateways();
    gateway = await testGateway();
    const none = await gateway.call('POST', `/v1/models/${modelId}/train/forward`, {
      body: { inputs: ['t'], reward_scale: 1 },
    });
    expect(none.status).toBe(503);
    expect(none.body.error.message).toBe(
      'no trainer is configured: start the gateway with --trainer-url <url>',
    );
  });
});
