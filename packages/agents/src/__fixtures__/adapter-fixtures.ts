import type { AgentContext, Capability, HudClient, PromptMessage, StepInput } from '@hud/protocol';
import {
  type FakeProvider,
  type FakeTurn,
  type ProviderRoute,
  startFakeProvider,
} from '@hud/testing';
import { afterEach } from 'vitest';
import type { ConversationInit, ProviderEndpoint } from '../model/adapter.js';
import { type AgentTool, type ToolInputSchema, textOutput } from '../tools/tool.js';

/** A 1×1 PNG, base64: the screenshot the adapter tests send and expect back in request bodies. */
export const PIXEL =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** The question every adapter test asks. */
export const QUESTION = 'What is 2+2?';

/** {@link QUESTION} as the prompt of a conversation: one user text message. */
export const prompt: PromptMessage[] = [
  { role: 'user', content: { type: 'text', text: QUESTION } },
];

/**
 * The conversation of the adapters' first-request tests: a text and an image of {@link PIXEL} from the
 * user, the assistant's answer, then {@link QUESTION}.
 */
export const pixelConversation: PromptMessage[] = [
  { role: 'user', content: { type: 'text', text: 'Look:' } },
  { role: 'user', content: { type: 'image', data: PIXEL, mimeType: 'image/png' } },
  { role: 'assistant', content: { type: 'text', text: 'I see a pixel.' } },
  { role: 'user', content: { type: 'text', text: QUESTION } },
];

/**
 * A tool `add` ("Add two integers.") answering `a + b` (`b` default 0) with `inputSchema`: each harness's
 * tests give it the schema shape their converter must handle.
 */
export function addTool(inputSchema: ToolInputSchema): AgentTool {
  return {
    name: 'add',
    description: 'Add two integers.',
    inputSchema,
    async run(input) {
      return textOutput(String(Number(input.a) + Number(input.b ?? 0)));
    },
  };
}

/** The start of a conversation on `model` asking {@link QUESTION} with `tools`, no system prompt. */
export function conversationInit(
  model: string,
  tools: AgentTool[],
  overrides: Partial<ConversationInit> = {},
): ConversationInit {
  return { model, system: undefined, messages: prompt, tools, config: {}, ...overrides };
}

/** The endpoint the adapter tests reach a fake provider at: key `test-key`, header `Trace-Id: trace-123`. */
export function testEndpoint(baseURL: string): ProviderEndpoint {
  return { apiKey: 'test-key', baseURL, headers: { 'Trace-Id': 'trace-123' } };
}

/** The `calc/1` binding the tool-loop tests give the agent (served by a `calc` tool provider). */
export const calcBinding = { name: 'calc', protocol: 'calc/1', url: 'x', params: {} } as Capability;

/**
 * A starter of fake provider servers (`@hud/testing`) for one test file, answering `turns` in order on
 * `routes` (default: every built-in route); each server is closed after the test that started it.
 * Call once at the top level of a test file.
 */
export function fakeProviders(): (
  turns: FakeTurn[],
  routes?: ProviderRoute[],
) => Promise<FakeProvider> {
  const started: FakeProvider[] = [];
  afterEach(async () => {
    for (const provider of started.splice(0)) await provider.close();
  });
  return async (turns, routes) => {
    const provider = await startFakeProvider({ turns, routes });
    started.push(provider);
    return provider;
  };
}

/**
 * The context a {@link ToolLoopAgent} runs a task in, with no environment behind it: task `t` of env `e`
 * asking {@link QUESTION}, no bindings, a client whose `open` answers `{}`, 10 steps, trace `trace-1`.
 * Returns it with the steps it records, in order.
 */
export function agentContext(overrides: Partial<AgentContext> = {}): {
  context: AgentContext;
  steps: StepInput[];
} {
  const steps: StepInput[] = [];
  const context: AgentContext = {
    task: { env: 'e', id: 't', args: {}, slug: 't' },
    prompt: QUESTION,
    promptMessages: prompt,
    promptText: QUESTION,
    bindings: [],
    episodeBindings: {},
    client: { open: async () => ({}) } as unknown as HudClient,
    signal: new AbortController().signal,
    maxSteps: 10,
    traceId: 'trace-1',
    record: (step) => {
      steps.push(step);
    },
    ...overrides,
  };
  return { context, steps };
}

/** What `promise` rejects with. @throws Error when it resolves instead. */
export { rejectionOf as rejection } from '@hud/testing';
