import type { ProviderEndpoint } from './adapter.js';

/** The HUD inference gateway (hud-python `HUD_GATEWAY_URL` default). */
export const DEFAULT_GATEWAY_URL = 'https://inference.hud.ai';

/** The setting that holds the gateway key. */
export const GATEWAY_KEY = 'HUD_API_KEY';

/** What {@link resolveEndpoint} reads. */
export interface EndpointSource {
  /** Settings holding the provider's key, in preference order (`ANTHROPIC_API_KEY`). */
  keyNames: readonly string[];
  /** Settings (the CLI: process env > ./.env > ~/.hud/.env). */
  settings: Readonly<Record<string, string | undefined>>;
  /** Agent config: `api_key` and `base_url` name an explicit endpoint. */
  config?: Readonly<Record<string, unknown>>;
  /** The run's trace id, sent as `Trace-Id` to the gateway. */
  traceId?: string | undefined;
  /**
   * Servers reached through an explicit base URL may need no key (a local vLLM or Ollama): a placeholder is
   * sent instead of refusing to run (`openai_compatible`).
   */
  allowKeyless?: boolean;
}

/** The key sent to a keyless server (SDKs require a non-empty one). */
export const KEYLESS = 'no-key';

/** The base-URL setting that goes with a key setting: `ANTHROPIC_API_KEY` → `ANTHROPIC_BASE_URL`. */
export function baseUrlSetting(keyName: string): string {
  return keyName.replace(/_API_KEY$/, '_BASE_URL');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Chooses how to reach a provider (spec §7.3, in hud-ts's order): an explicit `base_url` in the config (with
 * its `api_key`, or the provider key) → an explicit `api_key` or the provider key from settings, direct,
 * with the matching
 * `*_BASE_URL` setting when set (how tests point SDKs at a fake server) → `HUD_API_KEY` through the gateway
 * at `HUD_GATEWAY_URL` (default {@link DEFAULT_GATEWAY_URL}) with a `Trace-Id` header. Undefined when
 * there is no key at all.
 */
export function resolveEndpoint(source: EndpointSource): ProviderEndpoint | undefined {
  const { settings, config = {} } = source;
  const configKey = text(config.api_key);
  const keyless = source.allowKeyless ? KEYLESS : undefined;
  const explicitUrl = text(config.base_url);
  if (explicitUrl) {
    const apiKey =
      configKey ?? source.keyNames.map((name) => text(settings[name])).find(Boolean) ?? keyless;
    return apiKey ? { apiKey, baseURL: explicitUrl, headers: {}, route: 'explicit' } : undefined;
  }
  for (const name of source.keyNames) {
    const apiKey = configKey ?? text(settings[name]);
    const baseURL = text(settings[baseUrlSetting(name)]);
    if (baseURL) {
      // A base-URL setting goes with its own key only: another provider's key is never sent to it.
      const key = apiKey ?? keyless;
      if (key)
        return { apiKey: key, baseURL, headers: {}, route: configKey ? 'explicit' : 'direct' };
      continue;
    }
    if (apiKey) {
      return { apiKey, baseURL: undefined, headers: {}, route: configKey ? 'explicit' : 'direct' };
    }
  }
  const gatewayKey = text(settings[GATEWAY_KEY]);
  if (gatewayKey) {
    return {
      apiKey: gatewayKey,
      baseURL: text(settings.HUD_GATEWAY_URL) ?? DEFAULT_GATEWAY_URL,
      headers: source.traceId ? { 'Trace-Id': source.traceId } : {},
      route: 'gateway',
    };
  }
  return undefined;
}
