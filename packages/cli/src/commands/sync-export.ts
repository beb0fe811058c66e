import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeTaskset } from '@hud/eval';
import type { TaskRow } from '@hud/protocol';

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** An arg's cell: a string as is, anything else as JSON. */
const cell = (value: unknown) =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/**
 * The rows as CSV (hud-python `hud sync tasks --export x.csv`): columns `slug,id,env,arg:<key>…` with every
 * arg key of any row, in first-seen order; one line per row, CRLF line ends.
 */
export function tasksCsv(rows: readonly TaskRow[]): string {
  const keys: string[] = [];
  for (const row of rows)
    for (const key of Object.keys(row.args)) if (!keys.includes(key)) keys.push(key);
  const head = ['slug', 'id', 'env', ...keys.map((key) => `arg:${key}`)];
  const lines = rows.map((row) =>
    [row.slug, row.id, row.env, ...keys.map((key) => cell(row.args[key]))].map(csvField).join(','),
  );
  return [head.map(csvField).join(','), ...lines].map((line) => `${line}\r\n`).join('');
}

/**
 * Writes `rows` to `file`: `.json` / `.jsonl` as hud-python's `Taskset.to_file`, `.csv` by {@link tasksCsv}.
 * @throws Error naming the file for another extension.
 */
export async function exportRows(rows: readonly TaskRow[], file: string): Promise<void> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return writeFile(file, tasksCsv(rows));
  if (extension === '.json' || extension === '.jsonl') return writeTaskset(rows, file);
  throw new Error(`--export ${file}: use a .json, .jsonl or .csv file`);
}
