import { isRecord, type JsonObject } from '@hud/protocol';

/**
 * Merges JSON Schema `from` into `into` in place, as the harnesses flatten `allOf` members and resolved
 * `$ref`s into one object schema: `properties` joined (`from`'s win on a clash), `required` united (order
 * kept, no repeats), any other keyword taken only where `into` has none.
 * @example
 * const into = { properties: { a: {} }, required: ['a'] };
 * mergeSchemaInto(into, { properties: { b: {} }, required: ['b'], type: 'object' });
 * // into: { properties: { a: {}, b: {} }, required: ['a', 'b'], type: 'object' }
 */
export function mergeSchemaInto(into: JsonObject, from: JsonObject): void {
  for (const [key, value] of Object.entries(from)) {
    if (key === 'properties' && isRecord(value) && isRecord(into.properties)) {
      into.properties = { ...into.properties, ...value };
    } else if (key === 'required' && Array.isArray(value) && Array.isArray(into.required)) {
      into.required = [...new Set([...into.required, ...value])];
    } else if (into[key] === undefined) {
      into[key] = value;
    }
  }
}
