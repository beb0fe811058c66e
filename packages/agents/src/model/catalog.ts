import { agentNames, modelAgentInfo } from '../registry.js';
import { MODEL_PRICES, type ModelPrice } from './pricing.js';
import { GATEWAY_KEY } from './routing.js';

/** A model a harness knows: from the price table, plus each harness's default model. */
export interface KnownModel {
  model: string;
  /** The agent that serves it (`claude`, `openai`, `gemini`, …). */
  harness: string;
  /** USD per million tokens; null when hud-ts has no price for it (its cost is then unknown). */
  price: Omit<ModelPrice, 'harness'> | null;
  /** The harness's model without `--model`. */
  isDefault: boolean;
}

/** The models the harnesses know, grouped by harness in registry order (defaults first). */
export function knownModels(): KnownModel[] {
  const models: KnownModel[] = [];
  for (const harness of agentNames()) {
    const info = modelAgentInfo(harness);
    if (!info) continue;
    const priced = Object.entries(MODEL_PRICES).filter(([, price]) => price.harness === harness);
    const names = [info.defaultModel, ...priced.map(([model]) => model)];
    for (const model of new Set(names)) {
      const entry = MODEL_PRICES[model];
      models.push({
        model,
        harness,
        price: entry
          ? { input: entry.input, output: entry.output, cachedInput: entry.cachedInput }
          : null,
        isDefault: model === info.defaultModel,
      });
    }
  }
  return models;
}

/** One entry of the HUD gateway's model catalog (`GET /v2/models`, spec §7.3). */
export interface GatewayModel {
  id: string;
  name: string;
  model_name: string | null;
  /** The agent type that serves it (`claude`, `openai`, `gemini`, `openai_compatible`). */
  sdk_agent_type: string | null;
  is_trainable: boolean;
  provider: string | null;
}

/**
 * The HUD gateway's model catalog: `GET {HUD_GATEWAY_URL or HUD_API_URL (default https://api.hud.ai)}/v2/models`
 * with `Authorization: Bearer <HUD_API_KEY>`. Undefined when `HUD_API_KEY` is not set.
 * @throws Error naming the URL and status when the request fails.
 */
export async function gatewayModels(options: {
  settings: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}): Promise<GatewayModel[] | undefined> {
  const { settings } = options;
  const key = settings[GATEWAY_KEY];
  if (!key) return undefined;
  const base = settings.HUD_GATEWAY_URL || settings.HUD_API_URL || 'https://api.hud.ai';
  const url = `${base.replace(/\/+$/, '')}/v2/models`;
  const response = await (options.fetch ?? fetch)(url, {
    headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    signal: options.signal ?? AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  const body = (await response.json()) as { items?: unknown };
  const items = Array.isArray(body?.items) ? body.items : [];
  return items.map((raw) => {
    const item = raw as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : null);
    return {
      id: String(item.id ?? ''),
      name: String(item.name ?? item.id ?? ''),
      model_name: text(item.model_name),
      sdk_agent_type: text(item.sdk_agent_type),
      is_trainable: item.is_trainable === true,
      provider: text((item.provider as { name?: unknown } | null)?.name),
    };
  });
}
