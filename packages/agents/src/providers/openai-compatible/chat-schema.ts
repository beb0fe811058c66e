import { isRecord, type JsonObject } from '@hud/protocol';
import { mergeSchemaInto } from '../schema-merge.js';

/**
 * Keywords kept as they are: the JSON Schema subset OpenAI-compatible servers agree on (vLLM, Ollama,
 * OpenRouter, llama.cpp). hud-python 0.6.16 `_sanitize_schema_for_openai` keeps the same list.
 */
const KEPT = new Set([
  'type',
  'description',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
]);
const MAX_DEPTH = 32;

/** The local definitions a `$ref` may point at (`#/$defs/X`, `#/definitions/X`). */
type Definitions = ReadonlyMap<string, JsonObject>;

function definitionsOf(schema: JsonObject): Definitions {
  const definitions = new Map<string, JsonObject>();
  for (const key of ['$defs', 'definitions']) {
    const group = schema[key];
    if (!isRecord(group)) continue;
    for (const [name, value] of Object.entries(group)) {
      if (isRecord(value)) definitions.set(`#/${key}/${name}`, value);
    }
  }
  return definitions;
}

function firstType(value: unknown): string | undefined {
  if (typeof value === 'string') return value === 'null' ? undefined : value;
  if (Array.isArray(value)) {
    return value.find((type): type is string => typeof type === 'string' && type !== 'null');
  }
  return undefined;
}

function inferType(schema: JsonObject): string | undefined {
  if (isRecord(schema.properties)) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  const values = Array.isArray(schema.enum) ? schema.enum : undefined;
  const sample = values?.find((value) => value !== null);
  if (typeof sample === 'string') return 'string';
  if (typeof sample === 'number') return Number.isInteger(sample) ? 'integer' : 'number';
  if (typeof sample === 'boolean') return 'boolean';
  return undefined;
}

function sanitize(
  schema: JsonObject,
  definitions: Definitions,
  resolving: ReadonlySet<string>,
  depth: number,
): JsonObject {
  const out: JsonObject = {};
  if (depth > MAX_DEPTH) return { type: firstType(schema.type) ?? 'object' };

  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = definitions.get(ref);
    if (target && !resolving.has(ref)) {
      mergeSchemaInto(out, sanitize(target, definitions, new Set([...resolving, ref]), depth + 1));
    } else {
      // A recursive or unknown reference: the shape is lost, the kind is kept.
      out.type = (target && firstType(target.type)) ?? 'object';
    }
  }
  // Unions: the first branch that is not `null` (an optional value is simply left out).
  for (const key of ['anyOf', 'oneOf']) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    const branch = branches.find(
      (candidate): candidate is JsonObject => isRecord(candidate) && candidate.type !== 'null',
    );
    mergeSchemaInto(
      out,
      branch ? sanitize(branch, definitions, resolving, depth + 1) : { type: 'string' },
    );
  }
  if (Array.isArray(schema.allOf)) {
    for (const branch of schema.allOf) {
      if (isRecord(branch))
        mergeSchemaInto(out, sanitize(branch, definitions, resolving, depth + 1));
    }
  }

  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type') {
      const type = firstType(value);
      if (type) out.type = type;
    } else if (key === 'properties' && isRecord(value)) {
      const properties: JsonObject = {};
      for (const [name, property] of Object.entries(value)) {
        if (isRecord(property)) {
          properties[name] = sanitize(property, definitions, resolving, depth + 1);
        }
      }
      out.properties = { ...(isRecord(out.properties) ? out.properties : {}), ...properties };
    } else if (key === 'required' && Array.isArray(value)) {
      out.required = value;
    } else if (key === 'items' && isRecord(value)) {
      out.items = sanitize(value, definitions, resolving, depth + 1);
    } else if ((key === 'items' || key === 'prefixItems') && Array.isArray(value)) {
      // Tuples: every element as the first one's kind (hud-python's reading of `prefixItems`).
      const first = value[0];
      out.items = isRecord(first)
        ? sanitize(first, definitions, resolving, depth + 1)
        : { type: 'string' };
    } else if (key === 'const') {
      out.enum = [value];
    } else if (key === 'enum' && Array.isArray(value)) {
      const values = value.filter((item) => item !== null);
      if (values.length > 0) out.enum = values;
    } else if (key === 'title' && typeof value === 'string' && schema.description === undefined) {
      out.description = value;
    } else if (KEPT.has(key)) {
      // The schema's own keywords win over what a `$ref` or union brought in.
      out[key] = value;
    }
  }
  const type = out.type ?? inferType(schema) ?? inferType(out);
  if (type !== undefined) out.type = type;
  if (Array.isArray(out.required)) {
    const names = new Set(isRecord(out.properties) ? Object.keys(out.properties) : []);
    const required = out.required.filter(
      (name): name is string => typeof name === 'string' && names.has(name),
    );
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/**
 * A tool's input schema in the JSON Schema subset OpenAI-compatible servers accept as function
 * `parameters` (vLLM's guided decoding, Ollama's fixed tool struct and OpenRouter's upstreams reject or
 * ignore more): `type`, `description`, `enum`, `default`, `minimum`/`maximum`, `minItems`/`maxItems`,
 * `properties`, `required` and `items` are kept; local `$ref`s are inlined (recursive ones become their
 * bare type), `anyOf`/`oneOf` become their first non-null branch, `allOf` is merged, `const` becomes a
 * one-value `enum`, `type: [x, 'null']` becomes `x`, a missing `description` comes from `title`;
 * everything else (`additionalProperties`, `format`, `pattern`, `$schema`…) is dropped — the tool
 * still checks its input. The top level is always `{type: 'object', properties: {…}}`. Source: hud-python
 * 0.6.16 `openai_compatible_tool_param`, plus `$ref`/`allOf`/`const` handling it lacked.
 */
export function chatParameters(schema: JsonObject | undefined): JsonObject {
  if (!schema) return { type: 'object', properties: {} };
  const sanitized = sanitize(schema, definitionsOf(schema), new Set(), 0);
  return {
    ...sanitized,
    type: 'object',
    properties: isRecord(sanitized.properties) ? sanitized.properties : {},
  };
}
