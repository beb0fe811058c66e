export type { Agent, AgentContext, AgentResult } from './agent.js';
export { AgentError, type AgentErrorCode } from './errors.js';
export { NopAgent } from './nop-agent.js';
export { OracleAgent } from './oracle-agent.js';
export {
  type AgentFactory,
  type AgentOptions,
  agentNames,
  createAgent,
  registerAgent,
} from './registry.js';
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
export {
  type McpToolsOptions,
  mcpToolOutput,
  mcpToolProvider,
  mcpTools,
} from './tools/mcp-tools.js';
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
