import { describe, expect, it } from 'vitest';
import { postTo, thinkAndCall } from '../__fixtures__/post-route.js';
import type { FakeTurn } from '../turns.js';
import { openaiResponsesRoute } from './openai-responses.js';

const post = (turns: FakeTurn[], body: unknown) =>
  postTo(openaiResponsesRoute, turns, '/v1/responses', body);

describe('openai-responses route', () => {
  it('renders reasoning, text and function calls as output items, echoing the request', async () => {
    const { fake, json } = await post([thinkAndCall('{"a":')], {
      model: 'gpt-test',
      input: 'hi',
      instructions: 'be brief',
      store: false,
      include: ['reasoning.encrypted_content'],
    });
    expect(json).toMatchObject({
      id: 'resp_fake_0',
      object: 'response',
      status: 'completed',
      incomplete_details: null,
      model: 'gpt-test',
      instructions: 'be brief',
      store: false,
      usage: {
        input_tokens: 30,
        input_tokens_details: { cached_tokens: 12 },
        output_tokens: 4,
        total_tokens: 34,
      },
    });
    expect(json.output).toEqual([
      {
        type: 'reasoning',
        id: 'rs_fake_0',
        summary: [{ type: 'summary_text', text: 'think' }],
        encrypted_content: `fake-encrypted:${Buffer.from('think').toString('base64')}`,
      },
      {
        type: 'message',
        id: 'msg_fake_0',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'calling', annotations: [], logprobs: [] }],
      },
      {
        type: 'function_call',
        id: 'fc_fake_0_0',
        call_id: 'call_0_0',
        name: 'add',
        arguments: '{"a":1}',
        status: 'completed',
      },
      {
        type: 'function_call',
        id: 'fc_fake_0_1',
        call_id: 'mine',
        name: 'add',
        arguments: '{"a":',
        status: 'completed',
      },
    ]);
    expect(fake.requestsFor('openai-responses')).toHaveLength(1);
  });

  it('leaves encrypted content out unless asked, and marks a cut-off response incomplete', async () => {
    const { json } = await post([{ text: 'partial', reasoning: 'r', finishReason: 'length' }], {
      model: 'm',
      input: 'hi',
    });
    expect(json).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
    expect((json.output as Record<string, unknown>[])[0]).not.toHaveProperty('encrypted_content');
  });

  it('answers an error turn with its status, headers and the OpenAI error envelope', async () => {
    const { response, json } = await post(
      [{ status: 429, headers: { 'retry-after': '3' }, message: 'slow down' }],
      { model: 'm', input: 'hi' },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(json).toEqual({
      error: {
        message: 'slow down',
        type: 'rate_limit_exceeded',
        code: 'rate_limit_exceeded',
        param: null,
      },
    });
  });
});
