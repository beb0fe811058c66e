import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';

let gateway: TestGateway;
afterEach(disposeTestGateways);

describe('models (create_agent catalog, hud models)', () => {
  it('lists, resolves, forks, and moves the head of a fork', async () => {
    gateway = await testGateway();
    // create_agent / hud models list: GET /v2/models → {items: [{id, name, model_name, sdk_agent_type, is_trainable, provider: {name}}]}.
    const list = await gateway.call('GET', '/v2/models');
    expect(list.body.items).toContainEqual(
      expect.objectContaining({
        id: expect.any(String),
        name: 'claude-sonnet-4-6',
        model_name: 'claude-sonnet-4-6',
        sdk_agent_type: 'claude',
        is_trainable: false,
        provider: { name: 'anthropic' },
      }),
    );
    expect(list.body.items).toHaveLength(9);

    // hud models checkpoints <slug>: GET /v2/models/resolve?model= → {id}.
    const resolved = await gateway.call('GET', '/v2/models/resolve?model=moonshotai/kimi-k2.6');
    expect(resolved.body).toMatchObject({ name: 'kimi-k2.6', id: expect.any(String) });
    const unknown = await gateway.call('GET', '/v2/models/resolve?model=gpt-2');
    expect(unknown.status).toBe(404);

    // hud models fork SOURCE --name: POST /v2/models/fork {source_model_id, name} → model_name, id.
    const fork = await gateway.call('POST', '/v2/models/fork', {
      body: { source_model_id: resolved.body.id, name: 'my-kimi' },
    });
    expect(fork.status).toBe(201);
    expect(fork.body).toMatchObject({
      model_name: 'my-kimi',
      is_trainable: true,
      id: expect.any(String),
    });
    // --if-not-exists looks for a 409.
    const again = await gateway.call('POST', '/v2/models/fork', {
      body: { source_model_id: resolved.body.id, name: 'my-kimi' },
    });
    expect(again.status).toBe(409);
    const badName = await gateway.call('POST', '/v2/models/fork', {
      body: { source_model_id: resolved.body.id, name: 'has spaces' },
    });
    expect(badName.status).toBe(400);

    // hud models checkpoints: a JSON list; hud models head --set: PUT {checkpoint_id}.
    expect((await gateway.call('GET', `/v2/models/${fork.body.id}/checkpoints`)).body).toEqual([]);
    const checkpoint = await gateway.store.models.addCheckpoint({
      modelId: fork.body.id,
      name: 'step-1',
    });
    const head = await gateway.call('PUT', `/v2/models/${fork.body.id}/head`, {
      body: { checkpoint_id: checkpoint.id },
    });
    expect(head.body).toMatchObject({ model_id: fork.body.id, checkpoint_id: checkpoint.id });
    const listed = await gateway.call('GET', `/v2/models/${fork.body.id}/checkpoints`);
    expect(listed.body).toEqual([
      expect.objectContaining({ id: checkpoint.id, is_active: true, name: 'step-1' }),
    ]);
    const catalogHead = await gateway.call('PUT', `/v2/models/${resolved.body.id}/head`, {
      body: { checkpoint_id: checkpoint.id },
    });
    expect(catalogHead.status).toBe(403);
    expect((await gateway.call('GET', '/v2/models/not-an-id/checkpoints')).status).toBe(404);
  });
});
