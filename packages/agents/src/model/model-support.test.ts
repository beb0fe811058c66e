import { describe, expect, it } from 'vitest';
import { modelAgentInfo } from '../registry.js';
import { Budget } from './budget.js';
import { loopConfig } from './loop-config.js';
import { costUsd, MODEL_PRICES, priceKey, priceOf } from './pricing.js';
import { classifyHttpError, retryAfterFromHeaders } from './retry.js';
import { resolveEndpoint } from './routing.js';

describe('pricing', () => {
  it('normalises provider prefixes and date suffixes', () => {
    expect(priceKey('anthropic/claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(priceKey('gpt-5-mini-2025-08-07')).toBe('gpt-5-mini');
    expect(priceKey('models/gemini-2.5-pro')).toBe('gemini-2.5-pro');
    expect(priceKey('claude-sonnet-4-20250514')).toBe('claude-sonnet-4-0');
    expect(priceOf('claude-haiku-4-5-20251001')?.harness).toBe('claude');
  });

  it("takes each model's price from the spec of the harness that serves it", () => {
    expect(priceOf('claude-sonnet-4-6')).toEqual({
      harness: 'claude',
      input: 3,
      output: 15,
      cachedInput: 0.3,
    });
    for (const [model, { harness, ...price }] of Object.entries(MODEL_PRICES)) {
      expect(modelAgentInfo(harness)?.prices?.[model]).toEqual(price);
    }
    expect(Object.keys(MODEL_PRICES)).toHaveLength(27);
  });

  it('prices uncached input, cached input and output separately; unknown models cost null', () => {
    expect(
      costUsd('gpt-5', {
        prompt_tokens: 2_000_000,
        completion_tokens: 1_000_000,
        cached_tokens: 1_000_000,
      }),
    ).toBeCloseTo(1.25 + 0.125 + 10, 10);
    expect(
      costUsd('claude-sonnet-4-7-preview', { prompt_tokens: 1, completion_tokens: 1 }),
    ).toBeNull();
  });
});

describe('Budget', () => {
  it('admits rollouts until tokens or dollars run out, and says which', () => {
    const tokens = new Budget({ maxTokens: 100 });
    tokens.add({ prompt_tokens: 60, completion_tokens: 30, cost_usd: null });
    expect(tokens.exhausted()).toBeUndefined();
    tokens.add({ prompt_tokens: 10, completion_tokens: 0, cost_usd: null });
    expect(tokens.exhausted()).toMatch(/100 tokens used of --max-tokens 100/);
    expect(tokens.unpricedCalls).toBe(2);
    const dollars = new Budget({ maxCostUsd: 0.5 });
    dollars.add({ prompt_tokens: 1, completion_tokens: 1, cost_usd: 0.6 });
    expect(dollars.exhausted()).toMatch(/\$0\.6000 spent of --max-cost \$0\.5/);
  });
});

describe('retry classification', () => {
  it('reads retry-after as seconds, an HTTP date or retry-after-ms', () => {
    expect(retryAfterFromHeaders(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterFromHeaders({ 'retry-after-ms': '150' })).toBe(150);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterFromHeaders({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(
      5000,
    );
    expect(retryAfterFromHeaders({ 'retry-after': 'soon' })).toBeUndefined();
  });

  it('retries 429/529/5xx and connection resets, not 4xx', () => {
    expect(classifyHttpError({ status: 503 }).retryable).toBe(true);
    expect(classifyHttpError({ status: 529 }).retryable).toBe(true);
    expect(classifyHttpError({ status: 404 }).retryable).toBe(false);
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
    });
    expect(classifyHttpError(reset)).toEqual({
      status: undefined,
      retryable: true,
      retryAfterMs: undefined,
    });
    expect(classifyHttpError(new Error('bug')).retryable).toBe(false);
  });
});

describe('resolveEndpoint', () => {
  it('prefers an explicit base_url, then the provider key, then the gateway', () => {
    const settings = {
      OPENAI_COMPATIBLE_API_KEY: 'c',
      HUD_API_KEY: 'h',
      HUD_GATEWAY_URL: 'http://g',
    };
    expect(
      resolveEndpoint({
        keyNames: ['OPENAI_COMPATIBLE_API_KEY'],
        settings,
        config: { base_url: 'http://vllm/v1', api_key: 'x' },
      }),
    ).toEqual({ apiKey: 'x', baseURL: 'http://vllm/v1', headers: {}, route: 'explicit' });
    expect(
      resolveEndpoint({
        keyNames: ['OPENAI_COMPATIBLE_API_KEY'],
        settings: { ...settings, OPENAI_COMPATIBLE_BASE_URL: 'http://b' },
      }),
    ).toEqual({ apiKey: 'c', baseURL: 'http://b', headers: {}, route: 'direct' });
    expect(resolveEndpoint({ keyNames: ['X_API_KEY'], settings, traceId: 't' })).toEqual({
      apiKey: 'h',
      baseURL: 'http://g',
      headers: { 'Trace-Id': 't' },
      route: 'gateway',
    });
    expect(resolveEndpoint({ keyNames: ['X_API_KEY'], settings: {} })).toBeUndefined();
  });
});

describe('loopConfig', () => {
  it('reads the loop settings and rejects bad ones', () => {
    expect(loopConfig({ stop_on: ['length'], tool_timeout_seconds: 5 })).toMatchObject({
      toolTimeoutMs: 5000,
      stopOn: new Set(['length']),
      maxConcurrentRequests: 8,
    });
    expect(() => loopConfig({ stop_on: 'sometimes' })).toThrow(/unknown condition 'sometimes'/);
    expect(() => loopConfig({ max_concurrent_requests: 0 })).toThrow(/max_concurrent_requests/);
  });
});
