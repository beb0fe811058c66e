/** `@hud/testing` (private): test helpers for hud-ts, starting with a scripted fake LLM provider server. */
export {
  defaultRoutes,
  type FakeHandler,
  FakeProvider,
  type FakeProviderOptions,
  type RecordedRequest,
  startFakeProvider,
} from './fake-provider.js';
export type { ProviderRoute, RenderContext } from './provider-route.js';
export { openaiChatCompletionsRoute } from './routes/openai-chat-completions.js';
export {
  type ErrorTurn,
  type FakeToolCall,
  type FakeTurn,
  isErrorTurn,
  type TextTurn,
  type ToolCallsTurn,
} from './turns.js';
