import type { Usage } from '@hud/protocol';

/** List prices of one model, US dollars per million tokens. */
export interface ModelPrice {
  /** The harness that serves the model (`claude`, `openai`, `gemini`). */
  harness: string;
  /** Uncached input tokens. */
  input: number;
  output: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedInput: number;
}

const anthropic = (input: number, output: number): ModelPrice => ({
  harness: 'claude',
  input,
  output,
  cachedInput: input / 10, // Anthropic bills cache reads at 10% of the input price
});
const openai = (input: number, output: number, cachedInput: number): ModelPrice => ({
  harness: 'openai',
  input,
  output,
  cachedInput,
});
const gemini = (input: number, output: number, cachedInput: number): ModelPrice => ({
  harness: 'gemini',
  input,
  output,
  cachedInput,
});

/**
 * Standard (non-batch) list prices of current models, USD per million tokens, from the providers' pricing
 * pages (anthropic.com/pricing, openai.com/api/pricing, ai.google.dev/pricing; Gemini at the ≤200k-token
 * prompt tier). Cache writes are billed as plain input. A model missing here has an unknown cost (`null`):
 * add it here rather than guessing from a family name, since prices differ between versions.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
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
  'gpt-5.2': openai(1.75, 14, 0.175),
  'gpt-5.1': openai(1.25, 10, 0.125),
  'gpt-5': openai(1.25, 10, 0.125),
  'gpt-5-mini': openai(0.25, 2, 0.025),
  'gpt-5-nano': openai(0.05, 0.4, 0.005),
  'gpt-4.1': openai(2, 8, 0.5),
  'gpt-4.1-mini': openai(0.4, 1.6, 0.1),
  'gpt-4.1-nano': openai(0.1, 0.4, 0.025),
  'gpt-4o': openai(2.5, 10, 1.25),
  'gpt-4o-mini': openai(0.15, 0.6, 0.075),
  o3: openai(2, 8, 0.5),
  'o4-mini': openai(1.1, 4.4, 0.275),
  'gemini-3-pro-preview': gemini(2, 12, 0.2),
  'gemini-3-flash-preview': gemini(0.5, 3, 0.05),
  'gemini-2.5-pro': gemini(1.25, 10, 0.125),
  'gemini-2.5-flash': gemini(0.3, 2.5, 0.03),
  'gemini-2.5-flash-lite': gemini(0.1, 0.4, 0.01),
};

/** Other spellings of priced models (Anthropic's `-0` aliases). */
const ALIASES: Readonly<Record<string, string>> = {
  'claude-opus-4': 'claude-opus-4-0',
  'claude-sonnet-4': 'claude-sonnet-4-0',
};

/**
 * The key of `model` in {@link MODEL_PRICES}: lower-cased, without a provider prefix (`anthropic/`,
 * `models/`) and without a date or `-latest` suffix (`claude-sonnet-4-5-20250929`, `gpt-5-2025-08-07`).
 */
export function priceKey(model: string): string {
  const bare = model
    .toLowerCase()
    .replace(/^.*\//, '')
    .replace(/-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/, '');
  return ALIASES[bare] ?? bare;
}

/** The price of `model`, or undefined when it is not in `prices`. */
export function priceOf(
  model: string,
  prices: Readonly<Record<string, ModelPrice>> = MODEL_PRICES,
): ModelPrice | undefined {
  return prices[model] ?? prices[priceKey(model)];
}

/**
 * What one model call cost in US dollars: uncached input (`prompt_tokens - cached_tokens`) at the input
 * price, cached input at the cached price, output at the output price. Null for a model without a price.
 */
export function costUsd(
  model: string,
  usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens' | 'cached_tokens'>,
  prices: Readonly<Record<string, ModelPrice>> = MODEL_PRICES,
): number | null {
  const price = priceOf(model, prices);
  if (!price) return null;
  const cached = Math.min(usage.cached_tokens ?? 0, usage.prompt_tokens);
  const dollars =
    (usage.prompt_tokens - cached) * price.input +
    cached * price.cachedInput +
    usage.completion_tokens * price.output;
  return dollars / 1_000_000;
}
