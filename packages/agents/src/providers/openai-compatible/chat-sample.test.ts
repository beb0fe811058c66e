import { describe, expect, it } from 'vitest';
import * as fixtures from '../../__fixtures__/adapter-fixtures.js';
import { RequestLimits } from '../../model/request-limits.js';
import { ToolLoopAgent } from '../../model/tool-loop-agent.js';
import type { ToolProvider } from '../../tools/tool.js';
import { OpenAICompatibleAdapter } from './chat-adapter.js';
import { chatSample } from './chat-sample.js';

const MODEL = 'Qwen/Qwen3-8B';
const fake = fixtures.fakeProviders();
const add = fixtures.addTool({
  type: 'object',
  properties: { a: { type: 'integer' }, b: { type: 'integer' } },
  required: ['a', 'b'],
});
const calc: ToolProvider = { protocol: 'calc', create: () => [add] };

/** Runs the tool loop against the fake Chat Completions route with agent config `config`. */
async function runWith(config: Record<string, unknown>) {
  const provider = await fake([
    {
      toolCalls: [{ id: 'y', name: 'add', arguments: { a: 2, b: 2 } }],
      usage: { inputTokens: 4, outputTokens: 3 },
    },
    { text: '4', usage: { inputTokens: 6, outputTokens: 2 } },
  ]);
  const agent = new ToolLoopAgent(new OpenAICompatibleAdapter({ toolProviders: [calc] }), {
    model: MODEL,
    settings: { OPENAI_COMPATIBLE_API_KEY: 'k', OPENAI_COMPATIBLE_BASE_URL: `${provider.url}/v1` },
    requestLimits: new RequestLimits(),
    config,
  });
  const { context, steps } = fixtures.agentContext({ bindings: [fixtures.calcBinding] });
  await agent.run(context);
  return { provider, steps };
}

describe('token capture (spec §7.5 AgentStep.sample)', () => {
  it('asks for token ids and logprobs with return_token_ids, and records each call as the step sample', async () => {
    const { provider, steps } = await runWith({ return_token_ids: true });
    const bodies = provider.bodiesFor('openai-chat') as {
      return_token_ids?: unknown;
      logprobs?: unknown;
    }[];
    expect(bodies.map((body) => [body.return_token_ids, body.logprobs])).toEqual([
      [true, true],
      [true, true],
    ]);
    const agentSteps = steps.filter((step) => step.source === 'agent');
    expect(agentSteps.map((step) => step.sample)).toEqual([
      {
        prompt_token_ids: [1, 2, 3, 4],
        output_token_ids: [1000, 1001, 1002],
        output_logprobs: [-0.01, -0.02, -0.03],
      },
      {
        prompt_token_ids: [1, 2, 3, 4, 5, 6],
        output_token_ids: [1100, 1101],
        output_logprobs: [-0.01, -0.02],
      },
    ]);
  });

  it('takes the request from completion_kwargs.extra_body too (hud-python form), and keeps logprobs: false', async () => {
    const { provider, steps } = await runWith({
      completion_kwargs: { extra_body: { return_token_ids: true, logprobs: false } },
    });
    const [body] = provider.bodiesFor('openai-chat') as { logprobs?: unknown }[];
    expect(body?.logprobs).toBe(false);
    expect(steps.find((step) => step.source === 'agent')?.sample).toEqual({
      prompt_token_ids: [1, 2, 3, 4],
      output_token_ids: [1000, 1001, 1002],
    });
  });

  it('records no sample and sends neither field when token capture is off', async () => {
    const { provider, steps } = await runWith({});
    const [body] = provider.bodiesFor('openai-chat') as Record<string, unknown>[];
    expect(body && 'return_token_ids' in body).toBe(false);
    expect(body && 'logprobs' in body).toBe(false);
    expect(steps.some((step) => 'sample' in step)).toBe(false);
  });

  it('reads the prompt ids and chunks a gateway puts on the choice, and drops a partial logprob list', () => {
    expect(
      chatSample({
        choices: [
          {
            token_ids: [5, 6],
            prompt_token_ids: [9],
            prompt_chunks: [{ type: 'text', ids: [9] }],
            logprobs: { content: [{ logprob: -1 }, { token: 'x' }] },
          },
        ],
      }),
    ).toEqual({
      output_token_ids: [5, 6],
      prompt_token_ids: [9],
      prompt_chunks: [{ type: 'text', ids: [9] }],
    });
    expect(chatSample({ choices: [{ message: {} }] })).toBeUndefined();
  });
});
