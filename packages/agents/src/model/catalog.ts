import { agentNames, modelAgentInfo } from '../registry.js';
import { MODEL_PRICES, type ModelPrice } from './pricing.js';

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
