import type { Usage } from '@hud/protocol';
import { BUILT_IN_HARNESSES } from '../providers/specs.js';
import type { TokenPrice } from './harness.js';

/** List prices of one model, US dollars per million tokens, with the harness that serves it. */
export interface ModelPrice extends TokenPrice {
  /** The harness that serves the model (`claude`, `openai`, `gemini`). */
  harness: string;
}

/**
 * Standard (non-batch) list prices of current models, USD per million tokens, gathered from the `prices`
 * of the built-in harness specs (each names its provider's pricing page). Cache writes are billed as plain
 * input. A model missing here has an unknown cost (`null`): add it to its harness's spec rather than
 * guessing from a family name, since prices differ between versions.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = Object.fromEntries(
  BUILT_IN_HARNESSES.flatMap((spec) =>
    Object.entries(spec.prices ?? {}).map(([model, price]) => [
      model,
      { harness: spec.name, ...price },
    ]),
  ),
);

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
