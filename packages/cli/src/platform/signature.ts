/**
 * The change signature `hud sync tasks` compares tasks by (hud-python 0.6.16 `SyncPlan`, spec §9.7):
 * `task.id + "|" + json.dumps(task.model_dump(exclude_none=True, exclude={"env", "id", "slug"}),
 * sort_keys=True, default=str, separators=(",", ":"))`, reproduced byte for byte.
 */
import { dumpTaskRow } from '@hud/eval';
import { dumpsSorted, type TaskRow } from '@hud/protocol';

/**
 * `json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))` as CPython writes it (no spaces,
 * keys sorted by code point, `ensure_ascii` escapes, floats in `repr` form): `@hud/protocol`'s
 * {@link dumpsSorted} with the compact separators.
 */
export function dumpsCompactSorted(value: unknown): string {
  return dumpsSorted(value, [',', ':']);
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
