/** The `claude` harness (Anthropic Messages), loaded lazily by `createAgent('claude')` through `claudeSpec`. */
export { ClaudeAdapter, DEFAULT_CLAUDE_MAX_TOKENS, usageOf } from './claude-adapter.js';
export { type ClaudeComputerInput, claudeComputerTool } from './claude-computer.js';
export { claudeSpec } from './claude-spec.js';
export {
  CLAUDE_EDITOR_TOOL_NAME,
  type ClaudeToolParams,
  claudeToolParams,
  claudeToolProviders,
} from './claude-tools.js';
