import { isRecord, type JsonObject } from '@hud/protocol';

/**
 * Which properties {@link strictParameters} made required-but-nullable, so the `null`s the model sends for
 * them can be taken out again before the tool sees its arguments.
 */
export interface NullPlan {
  /** Properties of this object that were optional in the tool's schema. */
  optional: ReadonlySet<string>;
  /** Plans of nested object properties. */
  properties: ReadonlyMap<string, NullPlan>;
  /** Plan of array items, when they are objects with optional properties. */
  items?: NullPlan | undefined;
}

/** A tool's input schema as OpenAI function `parameters`, and whether it can be sent with `strict: true`. */
export interface ResponsesParameters {
  parameters: JsonObject;
  strict: boolean;
  /** Set when strict and some property was optional (see {@link restoreOptional}). */
  plan: NullPlan | undefined;
}

/** JSON Schema annotations that never affect validation: dropped from strict schemas. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
]);
/**
 * Validation keywords strict mode does not accept but that only narrow a value the tool validates anyway:
 * dropped (the tool still rejects a bad value at run time, as an error result the model can fix).
 */
const DROPPABLE = new Set([
  'minLength',
  'maxLength',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'contains',
  'minContains',
  'maxContains',
]);
/** Keywords strict mode keeps as they are (OpenAI structured outputs, "Supported schemas"). */
const KEPT = new Set([
  'type',
  'title',
  'description',
  'enum',
  'const',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);
/** `format` values strict mode supports; any other `format` is dropped. */
const FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);
/** Strict mode's nesting limit. */
const MAX_DEPTH = 10;

class NotStrict extends Error {}

function types(schema: JsonObject): string[] {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type))
    return type.filter((entry): entry is string => typeof entry === 'string');
  return [];
}

/** `schema` that also accepts `null`. */
function nullable(schema: JsonObject): JsonObject {
  const list = types(schema);
  if (list.includes('null')) return schema;
  if (list.length > 0 && schema.enum === undefined && schema.const === undefined) {
    return { ...schema, type: [...list, 'null'] };
  }
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  return { anyOf: [schema, { type: 'null' }] };
}

interface Context {
  depth: number;
  /** Inside `anyOf`: optional properties there could not be restored, so they make the schema non-strict. */
  inAnyOf: boolean;
}

function strictify(node: unknown, context: Context): { schema: JsonObject; plan?: NullPlan } {
  if (!isRecord(node)) throw new NotStrict();
  if (context.depth > MAX_DEPTH) throw new NotStrict();
  const out: JsonObject = {};
  let plan: NullPlan | undefined;
  const nodeTypes = types(node);
  const isObjectSchema = nodeTypes.includes('object') || node.properties !== undefined;
  const isArraySchema = nodeTypes.includes('array') || node.items !== undefined;
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined || ANNOTATIONS.has(key) || DROPPABLE.has(key)) continue;
    if (key === 'format') {
      if (typeof value === 'string' && FORMATS.has(value)) out.format = value;
      continue;
    }
    if (KEPT.has(key)) {
      out[key] = value;
      continue;
    }
    if (key === 'properties' || key === 'required' || key === 'additionalProperties') continue;
    if (key === 'items') continue;
    if (key === 'anyOf') {
      if (!Array.isArray(value) || value.length === 0) throw new NotStrict();
      out.anyOf = value.map(
        (branch) => strictify(branch, { depth: context.depth + 1, inAnyOf: true }).schema,
      );
      continue;
    }
    // oneOf, allOf, not, if/then/else, $ref/$defs, patternProperties, prefixItems, unknown keywords…
    throw new NotStrict();
  }
  if (isObjectSchema) {
    const additional = node.additionalProperties;
    if (additional !== undefined && additional !== false) throw new NotStrict();
    const properties = node.properties ?? {};
    if (!isRecord(properties)) throw new NotStrict();
    // A nested object without properties is a free-form map, which strict mode cannot express.
    if (node.properties === undefined && additional !== false && context.depth > 0) {
      throw new NotStrict();
    }
    const required = new Set(
      Array.isArray(node.required)
        ? node.required.filter((name): name is string => typeof name === 'string')
        : [],
    );
    const optional = new Set<string>();
    const nested = new Map<string, NullPlan>();
    const strictProperties: JsonObject = {};
    for (const [name, property] of Object.entries(properties)) {
      const child = strictify(property, { depth: context.depth + 1, inAnyOf: context.inAnyOf });
      if (child.plan) nested.set(name, child.plan);
      if (required.has(name)) {
        strictProperties[name] = child.schema;
      } else {
        if (context.inAnyOf) throw new NotStrict();
        optional.add(name);
        strictProperties[name] = nullable(child.schema);
      }
    }
    out.type = nodeTypes.length > 0 ? node.type : 'object';
    out.properties = strictProperties;
    out.required = Object.keys(strictProperties);
    out.additionalProperties = false;
    if (optional.size > 0 || nested.size > 0) plan = { optional, properties: nested };
  }
  if (isArraySchema) {
    if (node.items === undefined) throw new NotStrict();
    const child = strictify(node.items, { depth: context.depth + 1, inAnyOf: context.inAnyOf });
    out.items = child.schema;
    if (child.plan)
      plan = { optional: new Set(), properties: new Map(), ...plan, items: child.plan };
  }
  return plan ? { schema: out, plan } : { schema: out };
}

/**
 * Maps a tool's JSON Schema to OpenAI function `parameters` and decides `strict`. Strict mode (OpenAI
 * structured outputs) needs every object closed (`additionalProperties: false`) with every property
 * `required`, and accepts a subset of JSON Schema. This function makes that true without changing what the
 * tool accepts: optional properties become required and nullable (the `null`s are removed again by
 * {@link restoreOptional}), annotations and narrowing-only keywords (`minLength`, unsupported `format`s…)
 * are dropped. A schema it cannot express that way (`oneOf`, `$ref`, free-form objects, optional properties
 * under `anyOf`, more than 10 levels) is sent unchanged with `strict: false`.
 */
export function strictParameters(schema: JsonObject): ResponsesParameters {
  try {
    if (schema.anyOf !== undefined || !types(schema).every((type) => type === 'object')) {
      throw new NotStrict();
    }
    const { schema: parameters, plan } = strictify(
      { ...schema, type: 'object' },
      { depth: 0, inAnyOf: false },
    );
    return { parameters, strict: true, plan };
  } catch (error) {
    if (!(error instanceof NotStrict)) throw error;
    const { $schema: _ignored, ...rest } = schema;
    return {
      parameters: { ...rest, type: 'object', properties: rest.properties ?? {} },
      strict: false,
      plan: undefined,
    };
  }
}

/**
 * Removes the `null`s the model sent for properties that were optional in the tool's own schema (see
 * {@link strictParameters}), recursively through nested objects and arrays.
 */
export function restoreOptional(value: JsonObject, plan: NullPlan): JsonObject {
  const out: JsonObject = {};
  for (const [name, entry] of Object.entries(value)) {
    if (entry === null && plan.optional.has(name)) continue;
    const nested = plan.properties.get(name);
    out[name] = nested ? restoreValue(entry, nested) : entry;
  }
  return out;
}

function restoreValue(value: unknown, plan: NullPlan): unknown {
  if (Array.isArray(value)) {
    const { items } = plan;
    return items ? value.map((item) => restoreValue(item, items)) : value;
  }
  return isRecord(value) ? restoreOptional(value, plan) : value;
}
