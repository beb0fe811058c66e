import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;
/** Keys whose values are data, not schemas: their contents are neither sorted nor rewritten. */
const DATA_KEYS = new Set(['default', 'enum', 'const', 'examples', 'required']);

/**
 * pydantic's default field title: `name.title().replace('_', ' ').strip()` (Python `str.title`: a letter
 * is upper-cased after a non-letter, lower-cased after a letter), so `type_` is `Type`.
 */
export function pydanticTitle(name: string): string {
  let title = '';
  let previousCased = false;
  for (const char of name.replaceAll('_', ' ')) {
    const cased = char.toLowerCase() !== char.toUpperCase();
    title += cased ? (previousCased ? char.toLowerCase() : char.toUpperCase()) : char;
    previousCased = cased;
  }
  return title.trim();
}

function rewrite(schema: unknown, fieldName?: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => rewrite(item));
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '$schema') continue;
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      const properties: JsonSchema = {};
      for (const [name, property] of Object.entries(value as JsonSchema)) {
        properties[name] = rewrite(property, name);
      }
      out[key] = properties;
    } else if (key === 'additionalProperties' && typeof value === 'object' && value !== null) {
      out[key] = Object.keys(value).length === 0 ? true : rewrite(value);
    } else {
      out[key] = DATA_KEYS.has(key) ? value : rewrite(value);
    }
  }
  // zod bounds z.int() to the safe-integer range; a Python int has no bounds.
  if (out.type === 'integer') {
    if (out.minimum === -SAFE_INTEGER_BOUND) delete out.minimum;
    if (out.maximum === SAFE_INTEGER_BOUND) delete out.maximum;
  }
  // zod adds `propertyNames: {type: string}` to records; pydantic omits it for plain `dict[str, T]` keys.
  if (isPlainStringSchema(out.propertyNames)) delete out.propertyNames;
  // pydantic writes `X | None` as anyOf, not as a type list.
  if (Array.isArray(out.type)) {
    const types = out.type as string[];
    delete out.type;
    out.anyOf = types.map((type) => ({ type }));
  }
  if (fieldName !== undefined && out.title === undefined) out.title = pydanticTitle(fieldName);
  return sortKeys(out);
}

function isPlainStringSchema(schema: unknown): boolean {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    Object.keys(schema).length === 1 &&
    (schema as JsonSchema).type === 'string'
  );
}

function sortKeys(schema: JsonSchema): JsonSchema {
  // pydantic sorts schema keys alphabetically (GenerateJsonSchema.sort), field order inside `properties` kept.
  const sorted: JsonSchema = {};
  for (const key of Object.keys(schema).sort()) sorted[key] = schema[key];
  return sorted;
}

/**
 * The JSON Schema of a template's args as hud-python publishes it in `tasks.list` (pydantic style): a
 * `title` per property, keys sorted, no `$schema`, no top-level title, and `additionalProperties` last
 * (`false` unless the args object accepts unknown keys).
 * Source: hud-python 0.6.16 `_args_json_schema` (spec §1.4).
 */
export function argsJsonSchema(args: z.ZodType | undefined): JsonSchema {
  if (!args) return { properties: {}, type: 'object', additionalProperties: false };
  const raw = z.toJSONSchema(args, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const schema = rewrite(raw) as JsonSchema;
  delete schema.title;
  const additional = schema.additionalProperties;
  delete schema.additionalProperties;
  if (Array.isArray(schema.required) && schema.required.length === 0) delete schema.required;
  return { ...schema, additionalProperties: additional === true || typeof additional === 'object' };
}

/** The JSON Schema of a template's `returns` type (pydantic `TypeAdapter(T).json_schema()` style). */
export function returnsJsonSchema(returns: z.ZodType): JsonSchema {
  const schema = rewrite(
    z.toJSONSchema(returns, { io: 'input', unrepresentable: 'any' }),
  ) as JsonSchema;
  if (schema.additionalProperties === false) delete schema.additionalProperties;
  return schema;
}

const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;
const NUMBER_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const TRUE_TEXT = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'off', 'f', 'n']);

function schemaTypes(schema: JsonSchema | undefined): Set<string> {
  const types = new Set<string>();
  if (!schema) return types;
  if (typeof schema.type === 'string') types.add(schema.type);
  for (const option of (schema.anyOf as JsonSchema[] | undefined) ?? []) {
    if (typeof option.type === 'string') types.add(option.type);
  }
  return types;
}

/**
 * Lax coercion of one argument value, as pydantic's lax mode does for the common cases: numeric strings to
 * numbers, booleans to 0/1 for numbers, boolean words to booleans, JSON text to objects and arrays.
 * Returns the value unchanged when no rule applies (validation then reports it).
 */
export function coerceArg(value: unknown, property: JsonSchema | undefined): unknown {
  const types = schemaTypes(property);
  if (types.size === 0) return value;
  if (typeof value === 'string') {
    if (types.has('integer') && INTEGER_TEXT.test(value)) return Number(value);
    if (types.has('number') && NUMBER_TEXT.test(value)) return Number(value);
    if (types.has('boolean')) {
      const word = value.trim().toLowerCase();
      if (TRUE_TEXT.has(word)) return true;
      if (FALSE_TEXT.has(word)) return false;
    }
    if ((types.has('object') || types.has('array')) && !types.has('string')) {
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    }
  }
  if (typeof value === 'boolean' && (types.has('integer') || types.has('number'))) {
    return !types.has('boolean') ? Number(value) : value;
  }
  if (typeof value === 'number' && types.has('boolean') && (value === 0 || value === 1)) {
    return !types.has('integer') && !types.has('number') ? value === 1 : value;
  }
  return value;
}
