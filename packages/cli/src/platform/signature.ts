/**
 * The change signature `hud sync tasks` compares tasks by (hud-python 0.6.16 `SyncPlan`, spec §9.7):
 * `task.id + "|" + json.dumps(task.model_dump(exclude_none=True, exclude={"env", "id", "slug"}),
 * sort_keys=True, default=str, separators=(",", ":"))`, reproduced byte for byte.
 */
import { dumpTaskRow } from '@hud/eval';
import { asciiEscape, formatPythonFloat, PyFloat, type TaskRow } from '@hud/protocol';

/** Python sorts `str` keys by code point; JavaScript's default sort compares UTF-16 code units. */
function compareCodePoints(left: string, right: string): number {
  const a = [...left];
  const b = [...right];
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index]?.codePointAt(0) ?? 0) - (b[index]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

const quoted = (text: string) => asciiEscape(JSON.stringify(text));

function dumpsValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return quoted(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // A JSON number without a fraction is a Python int; others are floats in `repr` form.
      return Number.isInteger(value) && !Object.is(value, -0)
        ? BigInt(value).toString()
        : formatPythonFloat(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value instanceof PyFloat) return formatPythonFloat(value.value);
      if (Array.isArray(value)) return `[${value.map(dumpsValue).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => compareCodePoints(a, b));
      return `{${entries.map(([key, item]) => `${quoted(key)}:${dumpsValue(item)}`).join(',')}}`;
    }
    default:
      // default=str: anything JSON cannot hold is written as its string form.
      return quoted(String(value));
  }
}

/**
 * `json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))` as CPython writes it: no spaces,
 * keys sorted by code point at every depth, every non-ASCII UTF-16 code unit (and DEL) as a lowercase
 * `\uXXXX` escape (`ensure_ascii`), floats in `repr` form (`0.1`, `1e+20`, `1e-05`; a {@link PyFloat}
 * written `3.0`), integral numbers as ints, `undefined` members dropped.
 */
export function dumpsCompactSorted(value: unknown): string {
  return dumpsValue(value);
}

/**
 * The signature of a task row: its template id, `|`, and the compact sorted JSON of the row without `env`,
 * `id`, `slug` and null fields (`args` always, then `validation`, `agent_config`, `columns`,
 * `runtime_config` with its nulls dropped, `verifier` as a whole row). Two rows with one slug are
 * unchanged iff their signatures are equal.
 * @example taskSignature({env: 'e', id: 'count', slug: 's', args: {word: 'é'}}) === 'count|{"args":{"word":"\\u00e9"}}'
 */
export function taskSignature(row: TaskRow): string {
  const { env: _env, id: _id, slug: _slug, ...rest } = dumpTaskRow(row);
  return `${row.id}|${dumpsCompactSorted(rest)}`;
}
