/** The `openai` agent's harness: OpenAI's Responses API (module loaded on first use through its spec). */

export { openaiSpec } from './openai-spec.js';
export {
  DEFAULT_OPENAI_MODEL,
  isReasoningModel,
  OpenAIResponsesAdapter,
  type OpenAIResponsesAdapterOptions,
  type OpenAIResponsesConfig,
  OpenAIResponsesConversation,
  retryAfterMs,
} from './responses-adapter.js';
export {
  functionCallOutput,
  parseArguments,
  parseResponse,
  promptInput,
  type ResponsesToolset,
  replayItems,
  responsesTools,
  TOOL_ERROR_MARKER,
} from './responses-items.js';
export {
  type NullPlan,
  type ResponsesParameters,
  restoreOptional,
  strictParameters,
} from './strict-schema.js';
