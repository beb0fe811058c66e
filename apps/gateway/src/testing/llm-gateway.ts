// Test helper: a listening gateway whose LLM routes go to a fake provider of @hud/testing, and fake routes
// that stream (the built-in ones stream only for Anthropic).
import type { AddressInfo } from 'node:net';
import {
  anthropicMessagesRoute,
  type FakeProvider,
  type FakeTurn,
  geminiGenerateContentRoute,
  openaiChatCompletionsRoute,
  openaiResponsesRoute,
  type ProviderRoute,
  rawReply,
  startFakeProvider,
} from '@hud/testing';
import type { LlmOptions } from '../llm/options.js';
import { type TestGateway, testGateway } from './app.js';

/** The provider keys the gateway holds in these tests (asserted never to reach a log or a client). */
export const PROVIDER_KEYS = {
  anthropic: 'sk-ant-provider-secret-0001',
  openai: 'sk-openai-provider-secret-0002',
  gemini: 'gemini-provider-secret-0003',
} as const;

type Json = Record<string, unknown>;

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const named = (type: string, value: Json) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...value })}\n\n`;
const wantsStream = (body: unknown) => (body as { stream?: unknown } | null)?.stream === true;

/** OpenAI Chat Completions that streams `chat.completion.chunk`s when asked (usage chunk when requested). */
export const streamingChatRoute: ProviderRoute = {
  ...openaiChatCompletionsRoute,
  render(turn, context) {
    const full = openaiChatCompletionsRoute.render(turn, context) as Json & {
      choices: { message: { content: string | null }; finish_reason: string }[];
    };
    if (!wantsStream(context.body)) return full;
    const base = {
      id: full.id,
      object: 'chat.completion.chunk',
      created: full.created,
      model: full.model,
    };
    const text = full.choices[0]?.message.content ?? '';
    const half = Math.ceil(text.length / 2);
    const chunks = [
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: { role: 'assistant', content: text.slice(0, half) },
            finish_reason: null,
          },
        ],
      },
      {
        ...base,
        choices: [{ index: 0, delta: { content: text.slice(half) }, finish_reason: null }],
      },
      {
        ...base,
        choices: [{ index: 0, delta: {}, finish_reason: full.choices[0]?.finish_reason }],
      },
    ];
    const include = (context.body as { stream_options?: { include_usage?: boolean } })
      .stream_options;
    if (include?.include_usage) chunks.push({ ...base, choices: [], usage: full.usage } as never);
    return rawReply(`${chunks.map(data).join('')}data: [DONE]\n\n`);
  },
};

/** OpenAI Responses that streams `response.*` events when asked. */
export const streamingResponsesRoute: ProviderRoute = {
  ...openaiResponsesRoute,
  render(turn, context) {
    const full = openaiResponsesRoute.render(turn, context) as Json & { output: Json[] };
    if (!wantsStream(context.body)) return full;
    const message = full.output.find((item) => item.type === 'message') as Json | undefined;
    const text = ((message?.content as Json[] | undefined)?.[0]?.text as string | undefined) ?? '';
    const events = [
      named('response.created', {
        sequence_number: 0,
        response: { ...full, status: 'in_progress', output: [], usage: null },
      }),
      named('response.output_item.added', {
        sequence_number: 1,
        output_index: 0,
        item: { ...message, content: [] },
      }),
      named('response.output_text.delta', {
        sequence_number: 2,
        item_id: message?.id,
        output_index: 0,
        content_index: 0,
        delta: text,
        logprobs: [],
      }),
      named('response.output_item.done', { sequence_number: 3, output_index: 0, item: message }),
      named('response.completed', { sequence_number: 4, response: full }),
    ];
    return rawReply(events.join(''));
  },
};

/** Gemini `:streamGenerateContent?alt=sse`: the text in two chunks, usage on the last. */
export const geminiStreamRoute: ProviderRoute = {
  ...geminiGenerateContentRoute,
  name: 'gemini-stream-generate-content',
  url: '/v1beta/models/:model(^[^:/]+)::streamGenerateContent',
  render(turn, context) {
    const full = geminiGenerateContentRoute.render(turn, context) as Json & {
      candidates: { content: { parts: { text?: string }[] }; finishReason: string }[];
    };
    const text = full.candidates[0]?.content.parts.map((part) => part.text ?? '').join('') ?? '';
    const half = Math.ceil(text.length / 2);
    const chunk = (piece: string, last: boolean) => ({
      candidates: [
        {
          index: 0,
          content: { role: 'model', parts: [{ text: piece }] },
          ...(last ? { finishReason: 'STOP' } : {}),
        },
      ],
      ...(last ? { usageMetadata: full.usageMetadata } : {}),
      modelVersion: full.modelVersion,
      responseId: full.responseId,
    });
    return rawReply(
      `${data(chunk(text.slice(0, half), false))}${data(chunk(text.slice(half), true))}`,
    );
  },
};

/** Gemini generateContent under `/v1` (the default API version of @google/genai 3). */
export const geminiV1Route: ProviderRoute = {
  ...geminiGenerateContentRoute,
  name: 'gemini-v1-generate-content',
  url: '/v1/models/:model(^[^:/]+)::generateContent',
};

/** Every route a test fake provider serves. */
export const LLM_FAKE_ROUTES: readonly ProviderRoute[] = [
  streamingChatRoute,
  streamingResponsesRoute,
  anthropicMessagesRoute,
  geminiGenerateContentRoute,
  geminiV1Route,
  geminiStreamRoute,
];

/** A gateway listening on 127.0.0.1 with the fake as every provider's upstream. */
export interface LlmTestGateway extends AsyncDisposable {
  gateway: TestGateway;
  fake: FakeProvider;
  /** `http://127.0.0.1:port` of the gateway. */
  url: string;
}

/**
 * Starts a fake provider (scripted with `turns`) and a gateway listening on port 0 whose pooled keys
 * ({@link PROVIDER_KEYS}) point at it; retries back off 1–2 ms so storms end quickly.
 */
export async function llmTestGateway(
  turns: FakeTurn[] = [],
  options: { llm?: Partial<LlmOptions>; fake?: FakeProvider } = {},
): Promise<LlmTestGateway> {
  const fake = options.fake ?? (await startFakeProvider({ turns, routes: LLM_FAKE_ROUTES }));
  const gateway = await testGateway({
    logLevel: 'debug',
    llm: {
      ...options.llm,
      providers: {
        anthropic: { apiKey: PROVIDER_KEYS.anthropic, baseUrl: fake.url },
        openai: { apiKey: PROVIDER_KEYS.openai, baseUrl: `${fake.url}/v1` },
        gemini: { apiKey: PROVIDER_KEYS.gemini, baseUrl: fake.url },
        ...options.llm?.providers,
      },
      retry: { minTimeoutMs: 1, maxTimeoutMs: 2, ...options.llm?.retry },
    },
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  return {
    gateway,
    fake,
    url: `http://127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      await gateway[Symbol.asyncDispose]();
      await fake.close();
    },
  };
}
