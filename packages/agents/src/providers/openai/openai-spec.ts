import { type ModelAgentSpec, tokenPrice as price } from '../../model/harness.js';
import { loadOpenAISdk } from '../openai-sdk.js';

/**
 * The `openai` harness (Responses API) before the `openai` SDK loads: default model `gpt-5.6` (hud-python
 * 0.6.16 `OpenAIConfig.model`), key `OPENAI_API_KEY` (base URL `OPENAI_BASE_URL`), and standard list
 * prices from openai.com/api/pricing (cache writes billed as plain input).
 */
export const openaiSpec: ModelAgentSpec = {
  name: 'openai',
  defaultModel: 'gpt-5.6',
  keyNames: ['OPENAI_API_KEY'],
  prices: {
    'gpt-5.2': price(1.75, 14, 0.175),
    'gpt-5.1': price(1.25, 10, 0.125),
    'gpt-5': price(1.25, 10, 0.125),
    'gpt-5-mini': price(0.25, 2, 0.025),
    'gpt-5-nano': price(0.05, 0.4, 0.005),
    'gpt-4.1': price(2, 8, 0.5),
    'gpt-4.1-mini': price(0.4, 1.6, 0.1),
    'gpt-4.1-nano': price(0.1, 0.4, 0.025),
    'gpt-4o': price(2.5, 10, 1.25),
    'gpt-4o-mini': price(0.15, 0.6, 0.075),
    o3: price(2, 8, 0.5),
    'o4-mini': price(1.1, 4.4, 0.275),
  },
  // The SDK loads with the harness, so a missing one fails here (`agent.adapter()`), before any run.
  load: async () => {
    const { OpenAIResponsesAdapter } = await import('./responses-adapter.js');
    await loadOpenAISdk('the openai agent');
    return new OpenAIResponsesAdapter();
  },
};
