import { isRecord, type JsonObject } from '@hud/protocol';
import { mergeSchemaInto } from '../schema-merge.js';

/**
 * The JSON Schema keywords Gemini's `parametersJsonSchema` accepts (ai.google.dev, "JSON Schema support":
 * `$id`, `$defs`, `$ref`, `$anchor`, `type`, `format`, `title`, `description`, `enum`, `items`,
 * `prefixItems`, `minItems`, `maxItems`, `minimum`, `maximum`, `anyOf`, `oneOf`, `properties`, `required`,
 * plus Google's `propertyOrdering`). `additionalProperties` is accepted by newer models only and adds
 * nothing to a function call, so it is left out with everything else.
 */
const KEPT = new Set([
  '$id',
  '$anchor',
  '$ref',
  'type',
  'format',
  'title',
  'description',
  'enum',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'required',
  'propertyOrdering',
]);

function convertMap(value: unknown): JsonObject | undefined {
  if (!isRecord(value)) return undefined;
  const converted: JsonObject = {};
  for (const [key, member] of Object.entries(value)) converted[key] = convert(member);
  return converted;
}

function convertList(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value.map(convert) : undefined;
}

function convert(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (KEPT.has(key)) {
      result[key] =
        key === '$ref' && typeof value === 'string'
          ? value.replace('#/definitions/', '#/$defs/')
          : value;
    } else if (key === 'const') {
      result.enum = [value];
    } else if (key === 'properties' || key === '$defs' || key === 'definitions') {
      const converted = convertMap(value);
      if (converted) result[key === 'definitions' ? '$defs' : key] = converted;
    } else if (key === 'items') {
      // Draft-4 tuple form (`items: [...]`) is `prefixItems` today.
      if (Array.isArray(value)) result.prefixItems = value.map(convert);
      else result.items = convert(value);
    } else if (key === 'prefixItems' || key === 'anyOf' || key === 'oneOf') {
      const converted = convertList(value);
      if (converted) result[key] = converted;
    }
  }
  if (Array.isArray(schema.allOf)) {
    for (const member of schema.allOf) {
      const converted = convert(member);
      if (isRecord(converted)) mergeSchemaInto(result, converted);
    }
  }
  return result;
}

/**
 * A tool's JSON Schema in the subset Gemini's `parametersJsonSchema` accepts: unsupported keywords
 * (`$schema`, `additionalProperties`, `default`, `examples`, `pattern`, `minLength`, `not`…) are dropped at
 * every level, `const` becomes a one-value `enum`, `definitions` becomes `$defs` (references follow),
 * draft-4 tuple `items` becomes `prefixItems`, and `allOf` members are merged into their parent. The result
 * is always an object schema with `properties`.
 * @example
 * geminiParameters({ type: 'object', properties: { a: { type: 'string', default: 'x' } }, additionalProperties: false });
 * // { type: 'object', properties: { a: { type: 'string' } } }
 */
export function geminiParameters(schema: JsonObject): JsonObject {
  const converted = convert(schema) as JsonObject;
  return { ...converted, type: 'object', properties: converted.properties ?? {} };
}
