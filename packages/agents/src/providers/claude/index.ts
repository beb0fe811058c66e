/** The `claude` harness (Anthropic Messages), loaded lazily by `createAgent('claude')`. */
export {
  claudeAdapter as adapter,
  claudeAdapter,
  DEFAULT_CLAUDE_MAX_TOKENS,
  usageOf,
} from './claude-adapter.js';
export { type ClaudeComputerInput, claudeComputerTool } from './claude-computer.js';
export {
  CLAUDE_EDITOR_TOOL_NAME,
  type ClaudeToolParams,
  claudeToolParams,
  claudeToolProviders,
} from './claude-tools.js';
