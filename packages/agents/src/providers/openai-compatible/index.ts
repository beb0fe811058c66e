/** The `openai_compatible` agent's harness: Chat Completions (module loaded on first use through its spec). */
export {
  DEFAULT_OPENAI_COMPATIBLE_MODEL,
  OpenAICompatibleAdapter,
  type OpenAICompatibleAdapterOptions,
  type OpenAICompatibleConfig,
  OpenAICompatibleConversation,
} from './chat-adapter.js';
export {
  appendUser,
  ChatResponseError,
  chatTools,
  EMPTY_RESULT_TEXT,
  type ParsedCompletion,
  parseArguments,
  parseCompletion,
  promptMessages,
  TOOL_ERROR_PREFIX,
  toolMessages,
} from './chat-messages.js';
export { chatParameters } from './chat-schema.js';
export { openAICompatibleSpec } from './openai-compatible-spec.js';
export {
  DEFAULT_READ_BYTES,
  DEFAULT_READ_LIMIT,
  editTool,
  MAX_IMAGE_BYTES,
  readTool,
  writeTool,
} from './opencode-files.js';
export { expandBraces, globTool, grepTool, SEARCH_RESULT_LIMIT } from './opencode-search.js';
export {
  type OpenCodeToolsOptions,
  openCodeBashTool,
  openCodeToolProvider,
  openCodeTools,
} from './opencode-tools.js';
