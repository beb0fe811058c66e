import { createHash } from 'node:crypto';
import { dumpsSorted } from './python-json.js';

/**
 * The slug of a task row, byte-identical to hud-python 0.6.16 (`hud/eval/task.py`): `id` when `args` is
 * empty, else `id + "-" + sha1(json.dumps(args, sort_keys=True, default=str)).hexdigest()[:8]`.
 *
 * Integral JavaScript numbers hash as Python ints; wrap a value with `PyFloat.of` to hash it as a float.
 * @example taskSlug('count', { sentence: 'banana', letter: 'a' }) // 'count-e8d5ddbb'
 */
export function taskSlug(id: string, args: Readonly<Record<string, unknown>> | undefined): string {
  if (!args || Object.keys(args).length === 0) return id;
  const digest = createHash('sha1').update(dumpsSorted(args), 'utf8').digest('hex');
  return `${id}-${digest.slice(0, 8)}`;
}
