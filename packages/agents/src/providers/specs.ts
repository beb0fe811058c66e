import type { ModelAgentSpec } from '../model/harness.js';
import { claudeSpec } from './claude/claude-spec.js';
import { geminiSpec } from './gemini/gemini-spec.js';
import { openaiSpec } from './openai/openai-spec.js';
import { openAICompatibleSpec } from './openai-compatible/openai-compatible-spec.js';

/**
 * The model harnesses hud-ts ships, in registry order (the order `hud models` and `createAgent`'s list of
 * known agents show). Importing this loads no provider SDK.
 */
export const BUILT_IN_HARNESSES: readonly ModelAgentSpec[] = [
  claudeSpec,
  openaiSpec,
  geminiSpec,
  openAICompatibleSpec,
];
