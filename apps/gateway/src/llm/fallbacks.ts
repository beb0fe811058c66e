import { GatewayError } from '../errors.js';
import type { CatalogModel } from '../store/model-catalog.js';
import { familyOf, type ModelFallbacks } from './options.js';

export type { ModelFallbacks } from './options.js';

/**
 * Checks `fallbacks` against the catalog: every model named must be in it, a model may not fall back to
 * itself, and a fallback must speak the same wire API as its model (a request is passed on unchanged, so
 * an Anthropic model can only fall back to Anthropic models, Gemini to Gemini, OpenAI-compatible to
 * OpenAI-compatible).
 * @throws GatewayError `invalid_request` naming the first bad entry and the catalog's names.
 */
export function checkFallbacks(fallbacks: ModelFallbacks, catalog: readonly CatalogModel[]): void {
  const byName = new Map(catalog.map((model) => [model.name, model]));
  const known = () => `the catalog has ${[...byName.keys()].join(', ')}`;
  for (const [name, list] of Object.entries(fallbacks)) {
    const model = byName.get(name);
    if (!model) {
      throw new GatewayError(
        'invalid_request',
        `fallbacks: unknown model ${JSON.stringify(name)} (${known()})`,
      );
    }
    for (const fallbackName of list) {
      const fallback = byName.get(fallbackName);
      if (!fallback) {
        throw new GatewayError(
          'invalid_request',
          `fallbacks of ${name}: unknown model ${JSON.stringify(fallbackName)} (${known()})`,
        );
      }
      if (fallbackName === name) {
        throw new GatewayError('invalid_request', `fallbacks of ${name}: names ${name} itself`);
      }
      if (familyOf(fallback.provider) !== familyOf(model.provider)) {
        throw new GatewayError(
          'invalid_request',
          `fallbacks of ${name}: ${fallbackName} is served by provider ${fallback.provider}, which does not speak the API of ${name} (provider ${model.provider}); a fallback must take the same request`,
        );
      }
    }
  }
}

/**
 * Reads one `--fallback` value, `<model>=<fallback>[,<fallback>…]`, into `into` (a model named twice keeps
 * the later list).
 * @throws GatewayError `invalid_request` for a value without `=` or with an empty name.
 */
export function parseFallbackFlag(
  value: string,
  into: Record<string, string[]> = {},
): Record<string, string[]> {
  const [model, list, ...rest] = value.split('=');
  const names = (list ?? '').split(',').map((name) => name.trim());
  if (!model?.trim() || rest.length > 0 || names.some((name) => name === '')) {
    throw new GatewayError(
      'invalid_request',
      `--fallback ${JSON.stringify(value)}: expected <model>=<fallback>[,<fallback>…], e.g. claude-opus-4-8=claude-sonnet-4-6`,
    );
  }
  into[model.trim()] = names;
  return into;
}
