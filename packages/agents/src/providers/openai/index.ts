/** The `openai` agent's harness: OpenAI's Responses API (module loaded by the registry on first use). */
import type { ModelAdapter } from '../../model/adapter.js';
import { OpenAIResponsesAdapter } from './responses-adapter.js';

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

/** The `openai` agent's harness, as the registry loads it. */
export const adapter: ModelAdapter = new OpenAIResponsesAdapter();
