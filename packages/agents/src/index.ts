export type { Agent, AgentContext, AgentResult } from '@hud/protocol';
export { AgentError, type AgentErrorCode } from './errors.js';
export type {
  ConversationInit,
  ErrorClass,
  ModelAdapter,
  ModelConversation,
  ModelToolCall,
  ModelTurn,
  ProviderEndpoint,
  ToolResultEntry,
} from './model/adapter.js';
export { AUTO_RESPOND_MODEL, type AutoResponder, autoResponder } from './model/auto-respond.js';
export { Budget, type BudgetLimits } from './model/budget.js';
export {
  type KnownModel,
  knownModels,
} from './model/catalog.js';
export {
  DEFAULT_TOOL_TIMEOUT_SECONDS,
  type LoopConfig,
  loopConfig,
  type StopCondition,
} from './model/loop-config.js';
export { costUsd, MODEL_PRICES, type ModelPrice, priceKey, priceOf } from './model/pricing.js';
export {
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  RequestLimits,
  sharedRequestLimits,
} from './model/request-limits.js';
export {
  classifyHttpError,
  DEFAULT_RETRY_POLICY,
  type RetryNotice,
  type RetryPolicy,
  retryAfterFromHeaders,
  withRetries,
} from './model/retry.js';
export {
  baseUrlSetting,
  DEFAULT_GATEWAY_URL,
  type EndpointSource,
  GATEWAY_KEY,
  resolveEndpoint,
} from './model/routing.js';
export {
  executeToolCall,
  malformedArgumentsMessage,
  type ToolExecution,
  toolResult,
} from './model/tool-execution.js';
export {
  LENGTH_FINISH_REASONS,
  MAX_CONSECUTIVE_TOOL_FAILURES,
  type ModelAgentSpec,
  missingKeyMessage,
  ToolLoopAgent,
  type ToolLoopAgentOptions,
} from './model/tool-loop-agent.js';
export { NopAgent } from './nop-agent.js';
export { OracleAgent, type OracleAgentOptions } from './oracle-agent.js';
export {
  DEFAULT_GEMINI_MODEL,
  GEMINI_COMPUTER_FUNCTIONS,
  GEMINI_DEFAULTS,
  GEMINI_WORKSPACE_TOOL_NAMES,
  GeminiAdapter,
  type GeminiAdapterOptions,
  type GeminiComputerFunction,
  type GeminiConfig,
  GeminiConversation,
  GeminiResponseError,
  geminiComputerTools,
  geminiParameters,
  geminiToolProviders,
  geminiWorkspaceTools,
} from './providers/gemini/index.js';
export {
  DEFAULT_OPENAI_MODEL,
  isReasoningModel,
  OpenAIResponsesAdapter,
  type OpenAIResponsesAdapterOptions,
  type OpenAIResponsesConfig,
  OpenAIResponsesConversation,
  restoreOptional,
  retryAfterMs,
  strictParameters,
  TOOL_ERROR_MARKER,
} from './providers/openai/index.js';
export {
  chatParameters,
  DEFAULT_OPENAI_COMPATIBLE_MODEL,
  OpenAICompatibleAdapter,
  type OpenAICompatibleAdapterOptions,
  type OpenAICompatibleConfig,
  OpenAICompatibleConversation,
  type OpenCodeToolsOptions,
  openCodeToolProvider,
  openCodeTools,
} from './providers/openai-compatible/index.js';
export {
  type AdapterModule,
  type AgentFactory,
  type AgentOptions,
  agentNames,
  createAgent,
  type ModelAgentInfo,
  modelAgentInfo,
  registerAgent,
  registerModelAdapter,
} from './registry.js';
export {
  type BashToolInput,
  type BashToolOptions,
  bashTool,
  DEFAULT_BASH_TOOL_TIMEOUT_MS,
  DEFAULT_TOOL_OUTPUT_BYTES,
  truncateMiddle,
} from './tools/bash-tool.js';
export {
  type BrowserToolsOptions,
  browserToolProvider,
  browserTools,
} from './tools/browser-tools.js';
export { GEMINI_GRID_SIZE, geminiToPixels, type ScreenSize } from './tools/computer-coordinates.js';
export {
  COMPUTER_ACTIONS,
  type ComputerAction,
  type ComputerScreen,
  type ComputerToolInput,
  type ComputerToolOptions,
  computerTool,
  computerToolProvider,
} from './tools/computer-tool.js';
export { type EditorToolInput, type EditorToolOptions, editorTool } from './tools/editor-tool.js';
export {
  type McpToolsOptions,
  mcpToolOutput,
  mcpToolProvider,
  mcpTools,
} from './tools/mcp-tools.js';
export { sshToolProvider, type WorkspaceToolsOptions, workspaceTools } from './tools/ssh-tools.js';
export {
  type AgentTool,
  buildToolset,
  errorOutput,
  providerToolName,
  type ToolContent,
  type ToolInputSchema,
  type ToolOutput,
  type ToolProvider,
  type ToolRunOptions,
  type ToolsetSource,
  textOutput,
} from './tools/tool.js';
export {
  type PathKind,
  type ResolvedPath,
  WorkspacePathError,
  WorkspacePaths,
  type WorkspaceShell,
} from './tools/workspace-paths.js';
