/** The `gemini` agent's harness: Gemini generateContent (module loaded on first use through its spec). */
export {
  type ClientOptions,
  DEFAULT_GEMINI_MODEL,
  GEMINI_API_VERSION,
  GeminiAdapter,
  type GeminiAdapterOptions,
  GeminiConversation,
  retryInfoDelayMs,
} from './gemini-adapter.js';
export {
  GEMINI_COMPUTER_FUNCTIONS,
  type GeminiComputerFunction,
  type GeminiComputerToolsOptions,
  geminiComputerTools,
  isGeminiComputerTool,
} from './gemini-computer.js';
export {
  GEMINI_DEFAULTS,
  type GeminiConfig,
  type GeminiRequestSettings,
  geminiRequestSettings,
} from './gemini-config.js';
export {
  type CallRecord,
  DEFAULT_SCREENSHOT_TURNS,
  functionResponsePart,
  GeminiResponseError,
  MALFORMED_FUNCTION_CALL,
  type ParsedResponse,
  parseResponse,
  promptContents,
  pruneScreenshots,
  usageOf,
} from './gemini-contents.js';
export { geminiParameters } from './gemini-schema.js';
export { geminiSpec } from './gemini-spec.js';
export {
  type ComputerUseMode,
  type GeminiToolParams,
  type GeminiToolSettings,
  geminiFunctionName,
  geminiToolParams,
  geminiToolProviders,
} from './gemini-tools.js';
export {
  GEMINI_WORKSPACE_TOOL_NAMES,
  type GeminiWorkspaceToolsOptions,
  geminiWorkspaceTools,
} from './gemini-workspace-tools.js';
