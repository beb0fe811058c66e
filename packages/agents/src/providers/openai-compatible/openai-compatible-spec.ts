import type { ModelAgentSpec } from '../../model/harness.js';
import { loadOpenAISdk } from '../openai-sdk.js';

/**
 * The `openai_compatible` harness (Chat Completions) before the `openai` SDK loads: default model
 * `gpt-5.4-mini` (hud-python 0.6.16 `OpenAIChatConfig`), keys `OPENAI_COMPATIBLE_API_KEY` then
 * `OPENAI_API_KEY` (base URLs `OPENAI_COMPATIBLE_BASE_URL`, `OPENAI_BASE_URL`), keyless servers allowed
 * (a local vLLM or Ollama), no prices (the models depend on the server).
 */
export const openAICompatibleSpec: ModelAgentSpec = {
  name: 'openai_compatible',
  defaultModel: 'gpt-5.4-mini',
  keyNames: ['OPENAI_COMPATIBLE_API_KEY', 'OPENAI_API_KEY'],
  keyless: true,
  // The SDK loads with the harness, so a missing one fails here (`agent.adapter()`), before any run.
  load: async () => {
    const { OpenAICompatibleAdapter } = await import('./chat-adapter.js');
    await loadOpenAISdk('the openai_compatible agent');
    return new OpenAICompatibleAdapter();
  },
};
