import { type ModelAgentSpec, tokenPrice as price } from '../../model/harness.js';

/**
 * The `gemini` harness before `@google/genai` loads: default model `gemini-3-pro-preview` (hud-python 0.6.16
 * `GeminiConfig.model`), key `GEMINI_API_KEY` (base URL `GEMINI_BASE_URL`), and standard list prices from
 * ai.google.dev/pricing at the ≤200k-token prompt tier (cache writes billed as plain input).
 */
export const geminiSpec: ModelAgentSpec = {
  name: 'gemini',
  defaultModel: 'gemini-3-pro-preview',
  keyNames: ['GEMINI_API_KEY'],
  prices: {
    'gemini-3-pro-preview': price(2, 12, 0.2),
    'gemini-3-flash-preview': price(0.5, 3, 0.05),
    'gemini-2.5-pro': price(1.25, 10, 0.125),
    'gemini-2.5-flash': price(0.3, 2.5, 0.03),
    'gemini-2.5-flash-lite': price(0.1, 0.4, 0.01),
  },
  // The SDK loads with the harness, so a missing one fails here (`agent.adapter()`), before any run.
  load: async () => {
    const { genaiSdk, GeminiAdapter } = await import('./gemini-adapter.js');
    await genaiSdk.load('the gemini agent');
    return new GeminiAdapter();
  },
};
