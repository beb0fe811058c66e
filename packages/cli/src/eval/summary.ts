import { groupStats, type Job, type RunRecord, type TaskResult } from '@hud/eval';
import { renderTable } from '../table.js';

const fixed = (value: number | null, digits = 3) => (value === null ? '—' : value.toFixed(digits));

const HEAD = ['task', 'runs', 'mean reward', 'spread (std, min–max)', 'errors'];

/**
 * Tables with more rows than this are drawn by {@link boxTable} instead of cli-table3, whose layout is
 * quadratic in rows (`fillInTable` scans every earlier row for each cell): 10,000 tasks took it 10 s and
 * ~90 MB of heap at the end of a job.
 */
export const CLI_TABLE_MAX_ROWS = 500;

// Zero-width: combining marks (variation selectors included), zero-width spaces and joiners.
const ZERO_WIDTH = /^[\p{Mark}\u200b-\u200f\u2060]$/u;
// Two columns: East Asian wide and fullwidth characters, and emoji.
const WIDE =
  /^[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}\p{Extended_Pictographic}]$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matches ANSI colour codes
const ANSI = /\u001b\[[0-9;]*m/g;

/** Terminal columns of `text` (ANSI codes ignored; wide characters count 2, combining marks 0). */
export function displayWidth(text: string): number {
  const plain = text.replace(ANSI, '');
  if (/^[\x20-\x7e]*$/.test(plain)) return plain.length;
  let width = 0;
  for (const char of plain) width += ZERO_WIDTH.test(char) ? 0 : WIDE.test(char) ? 2 : 1;
  return width;
}

/**
 * The box table cli-table3 draws with its default style (a rule between every row, one space of padding,
 * left-aligned single-line cells; with `color`, a red head and grey borders), in time linear in rows, one
 * line at a time (no newlines): a 10,000-row table is written without building it as one string.
 */
export function* boxTableLines(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: { color: boolean },
): Generator<string> {
  const widths = head.map((cell) => displayWidth(cell));
  const cellWidths = rows.map((row) =>
    row.map((cell, column) => {
      const width = displayWidth(cell);
      if (width > (widths[column] ?? 0)) widths[column] = width;
      return width;
    }),
  );
  const paint = (code: number, text: string) =>
    options.color ? `\u001b[${code}m${text}\u001b[39m` : text;
  const border = (text: string) => paint(90, text);
  const rule = (left: string, middle: string, right: string) =>
    border(left + widths.map((width) => '─'.repeat(width + 2)).join(middle) + right);
  const line = (cells: readonly string[], measured: readonly number[], isHead: boolean) => {
    const content = cells.map((cell, column) => {
      const padded = ` ${cell}${' '.repeat((widths[column] ?? 0) - (measured[column] ?? 0))} `;
      return isHead ? paint(31, padded) : padded;
    });
    return border('│') + content.join(border('│')) + border('│');
  };
  const between = rule('├', '┼', '┤');
  yield rule('┌', '┬', '┐');
  yield line(head, head.map(displayWidth), true);
  for (const [index, row] of rows.entries()) {
    yield between;
    yield line(row, cellWidths[index] ?? [], false);
  }
  yield rule('└', '┴', '┘');
}

/** {@link boxTableLines} as one string. */
export function boxTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: { color: boolean },
): string {
  return [...boxTableLines(head, rows, options)].join('\n');
}

/**
 * The per-task results table, the job line, the failures and the store, line by line (a line may hold
 * several when the table is cli-table3's). `results` is `job.results()`, computed once by a caller that
 * needs it for more than this.
 */
export function* summaryLines(
  job: Job,
  storeDir: string,
  options: { color: boolean },
  results: readonly TaskResult[] = job.results(),
): Generator<string> {
  const rows: string[][] = [];
  for (const result of results) {
    const spread =
      result.std === null
        ? '—'
        : `${fixed(result.std)} (${fixed(result.min, 2)}–${fixed(result.max, 2)})`;
    rows.push([
      result.slug,
      String(result.count),
      fixed(result.mean),
      spread,
      String(result.errors),
    ]);
  }
  if (rows.length > CLI_TABLE_MAX_ROWS) yield* boxTableLines(HEAD, rows, options);
  // Plain text when the output is not a terminal (files, CI logs).
  else yield renderTable(HEAD, rows, options.color === true);
  const totals = job.totals();
  yield `job ${job.id} — reward ${fixed(job.reward)} over ${totals.verdicts} graded run${totals.verdicts === 1 ? '' : 's'}` +
    (totals.runs - totals.verdicts > 0
      ? `, ${totals.runs - totals.verdicts} without a verdict (not counted)`
      : '') +
    (job.cancelled ? ' — cancelled' : '');
  if (job.group > 1) yield groupLine(job);
  // Every run that hit a failure, graded or not: an agent error graded 0 must not pass unnoticed.
  let failed = 0;
  for (const run of job.runs) {
    if (run.error === null && run.reward !== null) continue;
    failed++;
    if (failed > 10) continue;
    const graded = run.reward === null ? '' : ` (graded anyway: ${fixed(run.reward)})`;
    yield `  ✗ ${run.slug}: ${run.error ?? run.status}${graded}`;
  }
  if (failed > 10) yield `  … and ${failed - 10} more (hud jobs ${job.id})`;
  yield `store: ${storeDir}`;
}

/**
 * The group line of a `--group N` job (N > 1): how many groups have reward spread (GRPO learns only from
 * those), and where the advantages are.
 */
export function groupLine(job: Job): string {
  const { groups, groupsWithSpread } = groupStats(job.runs);
  const where = `advantages: hud jobs export ${job.id} --format rl`;
  return groupsWithSpread === 0
    ? `groups: none of ${groups.length} has reward spread (every GRPO advantage is 0); ${where}`
    : `groups: ${groupsWithSpread} of ${groups.length} with reward spread; ${where}`;
}

/** The per-task results table and the job line, as text ({@link summaryLines} joined). */
export function summaryText(job: Job, storeDir: string, options: { color: boolean }): string {
  return [...summaryLines(job, storeDir, options)].join('\n');
}

/**
 * The `--json` summary: one object with the job id, reward, counts and per-task results (`results` as in
 * {@link summaryLines}).
 */
export function summaryJson(
  job: Job,
  storeDir: string,
  results: readonly TaskResult[] = job.results(),
): Record<string, unknown> {
  const totals = job.totals();
  return {
    job_id: job.id,
    name: job.name,
    reward: job.reward,
    runs: totals.runs,
    verdicts: totals.verdicts,
    errors: totals.runs - totals.verdicts,
    cancelled: job.cancelled,
    store: storeDir,
    tasks: results.map((result) => ({
      slug: result.slug,
      runs: result.count,
      reward: result.mean,
      std: result.std,
      min: result.min,
      max: result.max,
      errors: result.errors,
    })),
    groups: groupStats(job.runs).groups,
    failures: job.errors.map((run: RunRecord) => ({
      slug: run.slug,
      trace_id: run.trace_id,
      error: run.error,
      status: run.status,
    })),
  };
}
