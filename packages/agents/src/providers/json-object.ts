import type { JsonObject } from '@hud/protocol';

/** Whether `value` is a JSON object (not null, not an array): a tool input, a schema node, a body. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
