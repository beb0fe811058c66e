import type { Usage } from '@hud/protocol';

/** Limits of a {@link Budget}; omitted ones are unlimited. */
export interface BudgetLimits {
  /** Dollars (`--max-cost`); only calls with a known price count. */
  maxCostUsd?: number | undefined;
  /** Prompt + completion tokens (`--max-tokens`). */
  maxTokens?: number | undefined;
}

/**
 * A job-level spending budget: model agents add the usage of every call, and the job asks
 * {@link Budget.exhausted} before starting each rollout (`RunOptions.admit`), so once it is spent no new
 * rollout starts while running ones finish.
 */
export class Budget {
  readonly maxCostUsd: number | undefined;
  readonly maxTokens: number | undefined;
  #costUsd = 0;
  #tokens = 0;
  #unpriced = 0;

  constructor(limits: BudgetLimits = {}) {
    this.maxCostUsd = limits.maxCostUsd;
    this.maxTokens = limits.maxTokens;
  }

  /** Adds one call's usage (its `cost_usd` when known). */
  add(usage: Usage): void {
    this.#tokens += usage.prompt_tokens + usage.completion_tokens;
    if (typeof usage.cost_usd === 'number') this.#costUsd += usage.cost_usd;
    else this.#unpriced++;
  }

  /** Dollars spent on calls with a known price. */
  get costUsd(): number {
    return this.#costUsd;
  }

  /** Prompt + completion tokens spent. */
  get tokens(): number {
    return this.#tokens;
  }

  /** Calls whose model has no price (not counted in {@link Budget.costUsd}). */
  get unpricedCalls(): number {
    return this.#unpriced;
  }

  /** Why no new rollout may start (`budget reached: …`), or undefined while there is budget left. */
  exhausted(): string | undefined {
    if (this.maxTokens !== undefined && this.#tokens >= this.maxTokens) {
      return `budget reached: ${this.#tokens} tokens used of --max-tokens ${this.maxTokens}; no new rollouts started`;
    }
    if (this.maxCostUsd !== undefined && this.#costUsd >= this.maxCostUsd) {
      return `budget reached: $${this.#costUsd.toFixed(4)} spent of --max-cost $${this.maxCostUsd}; no new rollouts started`;
    }
    return undefined;
  }
}
