/** `@hud/testing` (private): test helpers for hud-ts, starting with a scripted fake LLM provider server. */
export {
  defaultRoutes,
  type FakeHandler,
  FakeProvider,
  type FakeProviderOptions,
  type RecordedRequest,
  registerFakeRoute,
  startFakeProvider,
} from './fake-provider.js';
export type { ProviderRoute, RenderContext } from './provider-route.js';
export { isRawReply, type RawReply, rawReply } from './provider-route.js';
export { anthropicMessagesRoute } from './routes/anthropic-messages.js';
export { geminiGenerateContentRoute } from './routes/gemini-generate-content.js';
export { builtinRoutes } from './routes/index.js';
export { openaiChatCompletionsRoute } from './routes/openai-chat-completions.js';
export { openaiResponsesRoute } from './routes/openai-responses.js';
export {
  type DropTurn,
  type ErrorTurn,
  type FakeToolCall,
  type FakeTurn,
  type FakeUsage,
  isDropTurn,
  isErrorTurn,
  type TextTurn,
  type ToolCallsTurn,
} from './turns.js';
