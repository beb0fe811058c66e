import { type ModelAgentSpec, tokenPrice } from '../../model/harness.js';

/** Anthropic bills prompt-cache reads at 10% of the input price. */
const anthropic = (input: number, output: number) => tokenPrice(input, output, input / 10);

/**
 * The `claude` harness before the Anthropic SDK loads: default model `claude-sonnet-4-6` (hud-python 0.6.16
 * `ClaudeConfig.model`, spec §7.2), key `ANTHROPIC_API_KEY` (base URL `ANTHROPIC_BASE_URL`), and standard
 * list prices from anthropic.com/pricing (cache writes billed as plain input).
 */
export const claudeSpec: ModelAgentSpec = {
  name: 'claude',
  defaultModel: 'claude-sonnet-4-6',
  keyNames: ['ANTHROPIC_API_KEY'],
  prices: {
    'claude-opus-4-6': anthropic(5, 25),
    'claude-opus-4-5': anthropic(5, 25),
    'claude-opus-4-1': anthropic(15, 75),
    'claude-opus-4-0': anthropic(15, 75),
    'claude-sonnet-4-6': anthropic(3, 15),
    'claude-sonnet-4-5': anthropic(3, 15),
    'claude-sonnet-4-0': anthropic(3, 15),
    'claude-3-7-sonnet': anthropic(3, 15),
    'claude-haiku-4-5': anthropic(1, 5),
    'claude-3-5-haiku': anthropic(0.8, 4),
  },
  // The SDK loads with the harness, so a missing one fails here (`agent.adapter()`), before any run.
  load: async () => {
    const { anthropicSdk, ClaudeAdapter } = await import('./claude-adapter.js');
    await anthropicSdk.load('the claude agent');
    return new ClaudeAdapter();
  },
};
