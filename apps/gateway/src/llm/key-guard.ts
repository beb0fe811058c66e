import type { AuthContext } from '../http/auth.js';
import type { KeyLimits, KeyStore } from '../store/areas/keys.js';
import type { UsageStore } from '../store/areas/usage.js';
import { MinuteWindow } from './rate-window.js';

/** Which limit or budget refused a request (the field of {@link KeyLimits} that set it). */
export type LimitName = keyof KeyLimits;

/**
 * A request the key's limits refuse: 429 (`rate_limited`, with `retry-after`) for a per-minute limit, 402
 * (`budget_exceeded`) for a budget. `body` is the gateway's error shape (`{error: {code, message}, detail}`)
 * plus the limit's name, its value and what was used.
 */
export interface LimitRefusal {
  status: 429 | 402;
  /** Seconds until the per-minute window has room again (429 only). */
  retryAfterSeconds?: number;
  body: {
    error: {
      code: 'rate_limited' | 'budget_exceeded';
      message: string;
      /** The field of the key that set the limit (`requests_per_minute`, `budget_usd`, …). */
      limit: LimitName;
      /** The limit's value. */
      value: number;
      /** What was used: in the last minute (rate limits) or in all (budgets). */
      used: number;
    };
    detail: string;
  };
}

const count = (value: number) => value.toLocaleString('en-US');
const dollars = (value: number) => `$${Number(value.toPrecision(6))}`;

function refusal(
  status: 429 | 402,
  limit: LimitName,
  value: number,
  used: number,
  message: string,
  retryAfterSeconds?: number,
): LimitRefusal {
  const code = status === 429 ? 'rate_limited' : 'budget_exceeded';
  return {
    status,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    body: { error: { code, message, limit, value, used }, detail: message },
  };
}

/**
 * The per-key limits of the LLM routes, read from the key's record on every call (a change through
 * `PATCH /v2/keys/{id}` applies to the next request, on every gateway sharing the database):
 * - **budgets** (`budget_usd`, `budget_tokens`): checked before a request goes upstream against what the
 *   key's recorded requests cost (`llm_usage`, so they hold across restarts and gateways); requests already
 *   in flight when the budget runs out still finish, so a budget may be overrun by them;
 * - **rates** (`requests_per_minute`, `tokens_per_minute`): a sliding one-minute window per key in this
 *   process's memory (60 one-second buckets). Requests count when admitted; tokens when the answer reports
 *   them, so a request is refused once the last minute's tokens reached the limit. Each gateway process
 *   counts its own requests, and a restart starts the windows empty.
 */
export class KeyGuard {
  readonly #keys: KeyStore;
  readonly #usage: UsageStore;
  readonly #windows = new Map<string, MinuteWindow>();
  readonly #now: () => number;

  constructor(keys: KeyStore, usage: UsageStore, now: () => number = Date.now) {
    this.#keys = keys;
    this.#usage = usage;
    this.#now = now;
  }

  /**
   * Admits one request of `auth`'s key (counting it in the key's window) or says which limit refuses it.
   * A key without limits costs one primary-key read.
   */
  async admit(auth: AuthContext): Promise<LimitRefusal | undefined> {
    const key = await this.#keys.getKey(auth.keyId);
    if (!key) return undefined;
    const who = `key ${JSON.stringify(auth.keyName)}`;
    const raise = (field: string) =>
      `an admin raises it with \`hud keys update ${auth.keyId} --${field} <value>\` (PATCH /v2/keys/${auth.keyId})`;
    if (key.budget_usd !== null || key.budget_tokens !== null) {
      const spent = await this.#usage.keySpend(auth.keyId);
      if (key.budget_tokens !== null && spent.tokens >= key.budget_tokens) {
        return refusal(
          402,
          'budget_tokens',
          key.budget_tokens,
          spent.tokens,
          `budget exhausted: ${who} has a budget of ${count(key.budget_tokens)} tokens (budget_tokens) and has used ${count(spent.tokens)} tokens; ${raise('budget-tokens')}`,
        );
      }
      if (key.budget_usd !== null && spent.cost_usd >= key.budget_usd) {
        return refusal(
          402,
          'budget_usd',
          key.budget_usd,
          spent.cost_usd,
          `budget exhausted: ${who} has a budget of ${dollars(key.budget_usd)} (budget_usd) and has spent ${dollars(spent.cost_usd)}; ${raise('budget-usd')}`,
        );
      }
    }
    const rpm = key.requests_per_minute;
    const tpm = key.tokens_per_minute;
    if (rpm === null && tpm === null) return undefined;
    const now = this.#now();
    const window = this.#window(auth.keyId, now);
    const use = window.use(now);
    if (rpm !== null && use.requests >= rpm) {
      const wait = window.secondsUntilBelow('requests', rpm, now);
      return refusal(
        429,
        'requests_per_minute',
        rpm,
        use.requests,
        `rate limit: ${who} may make ${count(rpm)} LLM requests per minute (requests_per_minute) and made ${count(use.requests)} in the last minute; retry in ${wait} s`,
        wait,
      );
    }
    if (tpm !== null && use.tokens >= tpm) {
      const wait = window.secondsUntilBelow('tokens', tpm, now);
      return refusal(
        429,
        'tokens_per_minute',
        tpm,
        use.tokens,
        `rate limit: ${who} may use ${count(tpm)} tokens per minute (tokens_per_minute) and used ${count(use.tokens)} in the last minute; retry in ${wait} s`,
        wait,
      );
    }
    window.addRequest(now);
    return undefined;
  }

  /** Counts the tokens (input + output) an answer of `keyId` reported, for `tokens_per_minute`. */
  addTokens(keyId: string, tokens: number): void {
    this.#windows.get(keyId)?.addTokens(tokens, this.#now());
  }

  #window(keyId: string, now: number): MinuteWindow {
    let window = this.#windows.get(keyId);
    if (!window) {
      if (this.#windows.size >= 10_000) this.#evictIdle(now);
      window = new MinuteWindow();
      this.#windows.set(keyId, window);
    }
    return window;
  }

  /** Drops windows with nothing counted in the last minute. */
  #evictIdle(now: number): void {
    const second = Math.floor(now / 1000);
    for (const [keyId, window] of this.#windows) {
      if (window.lastSecond <= second - 60) this.#windows.delete(keyId);
    }
  }
}
