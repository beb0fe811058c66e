import { type ModelPrice as AgentModelPrice, priceOf } from '@hud/agents';
import type { TokenUsage } from './token-usage.js';

/**
 * USD per million tokens, from `@hud/agents`' price table (each harness spec names its provider's pricing
 * page), looked up by the upstream model id and then the catalog name. Models it does not price are
 * recorded with their tokens and no cost.
 */
export type ModelPrice = Omit<AgentModelPrice, 'harness'>;

/** The list price of a catalog model: its upstream id first (`claude-sonnet-4-5-20250929`), then its name. */
export function priceOfModel(upstreamModel: string, model: string): ModelPrice | undefined {
  return priceOf(upstreamModel) ?? priceOf(model);
}

/**
 * The cost of `usage` at `price`, USD: uncached input + cached input + output. Null without a price or
 * without any token count.
 */
export function costOf(usage: TokenUsage, price: ModelPrice | undefined): number | null {
  if (!price) return null;
  if (usage.inputTokens === null && usage.outputTokens === null) return null;
  const cached = Math.min(usage.cachedTokens ?? 0, usage.inputTokens ?? 0);
  const uncached = (usage.inputTokens ?? 0) - cached;
  const dollars =
    uncached * price.input + cached * price.cachedInput + (usage.outputTokens ?? 0) * price.output;
  return dollars / 1_000_000;
}
