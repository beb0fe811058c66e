import Table from 'cli-table3';

/** One row of a {@link renderTable} table: its cells in column order. */
export type TableRow = readonly (string | number)[];

/**
 * `rows` under `head`, drawn by cli-table3: coloured and boxed when `color` (a terminal), plain text
 * otherwise (files, CI logs).
 */
export function renderTable(
  head: readonly string[],
  rows: readonly TableRow[],
  color: boolean,
): string {
  const table = new Table({ head: [...head], style: color ? {} : { head: [], border: [] } });
  table.push(...rows.map((row) => [...row]));
  return table.toString();
}
