import type { JsonObject } from '@hud/protocol';

function placeholder(value: unknown): string {
  return `<${typeof value}: not serializable>`;
}

function safe(value: unknown, ancestors: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (typeof value !== 'object') return placeholder(value);
  if (ancestors.has(value)) return '<cycle: not serializable>';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return safe(toJSON.call(value), ancestors);
  ancestors.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      return Array.from(value, (item) => (item === undefined ? null : safe(item, ancestors)));
    }
    if (value instanceof RegExp) return String(value);
    const entries = value instanceof Map ? [...value] : Object.entries(value);
    const out: JsonObject = {};
    for (const [key, item] of entries) {
      if (item !== undefined) out[String(key)] = safe(item, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * A JSON-compatible copy of `values` for a sub-score's `info._parameters` (hud-python 0.6.16
 * `json_safe_dict`): keys with `undefined` values are dropped, Sets become arrays, Maps objects, `toJSON()`
 * is honoured (Dates → ISO text), non-finite numbers become `null`, bigints numbers (or text when unsafe),
 * and functions, symbols and cycles the placeholder `"<function: not serializable>"` etc.
 */
export function jsonSafeObject(values: Readonly<Record<string, unknown>>): JsonObject {
  return safe(values, new Set()) as JsonObject;
}
