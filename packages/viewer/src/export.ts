// The job page's exports: the task × attempt matrix with per-task statistics as JSON or CSV, built in the
// browser and handed to the user as a download (no server round trip).
import type { MatrixRow } from './model.js';
import { outcomeOf, type TaskStats } from './stats.js';

/** The JSON export: the job's id and name, then one entry per task with its stats and attempts. */
export interface MatrixExport {
  job_id: string;
  job_name: string | null;
  tasks: (TaskStats & {
    attempts: ({
      trace_id: string;
      status: string;
      reward: number | null;
      error: string | null;
    } | null)[];
  })[];
}

/** The JSON export of `rows` (with their `stats`, same order). */
export function matrixJson(
  job: { id: string; name: string | null },
  rows: readonly MatrixRow[],
  stats: readonly TaskStats[],
): MatrixExport {
  return {
    job_id: job.id,
    job_name: job.name,
    tasks: rows.map((row, index) => ({
      ...(stats[index] as TaskStats),
      attempts: Array.from(row.attempts, (trace) =>
        trace
          ? { trace_id: trace.id, status: trace.status, reward: trace.reward, error: trace.error }
          : null,
      ),
    })),
  };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV export (RFC 4180, CRLF line ends, a header row): `task, runs, passed, failed, errored, mean,
 * std, attempt_1 … attempt_<width>`; an attempt is its reward, `error` for an errored run, `pending`
 * without a verdict, empty when missing.
 */
export function matrixCsv(
  rows: readonly MatrixRow[],
  stats: readonly TaskStats[],
  width: number,
): string {
  const header = ['task', 'runs', 'passed', 'failed', 'errored', 'mean', 'std'];
  for (let index = 1; index <= width; index++) header.push(`attempt_${index}`);
  const lines = [header.join(',')];
  rows.forEach((row, index) => {
    const task = stats[index] as TaskStats;
    const fields: (string | number | null)[] = [
      row.slug,
      task.runs,
      task.passed,
      task.failed,
      task.errored,
      task.mean,
      task.std,
    ];
    for (let at = 0; at < width; at++) {
      const trace = row.attempts[at];
      if (!trace) fields.push(null);
      else {
        const outcome = outcomeOf(trace);
        fields.push(
          outcome === 'errored' ? 'error' : outcome === 'pending' ? 'pending' : trace.reward,
        );
      }
    }
    lines.push(fields.map(csvField).join(','));
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** Hands `text` to the browser as a file download named `name`. */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
