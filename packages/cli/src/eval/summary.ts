import type { Job, RunRecord } from '@hud/eval';
import Table from 'cli-table3';

const fixed = (value: number | null, digits = 3) => (value === null ? '—' : value.toFixed(digits));

/** The per-task results table and the job line, as text. */
export function summaryText(job: Job, storeDir: string, options: { color: boolean }): string {
  const table = new Table({
    head: ['task', 'runs', 'mean reward', 'spread (std, min–max)', 'errors'],
    // Plain text when the output is not a terminal (files, CI logs).
    style: options.color ? {} : { head: [], border: [] },
  });
  for (const result of job.results()) {
    const spread =
      result.std === null
        ? '—'
        : `${fixed(result.std)} (${fixed(result.min, 2)}–${fixed(result.max, 2)})`;
    table.push([result.slug, result.count, fixed(result.mean), spread, result.errors]);
  }
  const totals = job.totals();
  const lines = [table.toString()];
  lines.push(
    `job ${job.id} — reward ${fixed(job.reward)} over ${totals.verdicts} graded run${totals.verdicts === 1 ? '' : 's'}` +
      (totals.runs - totals.verdicts > 0
        ? `, ${totals.runs - totals.verdicts} without a verdict (not counted)`
        : '') +
      (job.cancelled ? ' — cancelled' : ''),
  );
  for (const run of job.errors.slice(0, 10))
    lines.push(`  ✗ ${run.slug}: ${run.error ?? run.status}`);
  if (job.errors.length > 10)
    lines.push(`  … and ${job.errors.length - 10} more (hud jobs ${job.id})`);
  lines.push(`store: ${storeDir}`);
  return lines.join('\n');
}

/** The `--json` summary: one object with the job id, reward, counts and per-task results. */
export function summaryJson(job: Job, storeDir: string): Record<string, unknown> {
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
    tasks: job.results().map((result) => ({
      slug: result.slug,
      runs: result.count,
      reward: result.mean,
      std: result.std,
      min: result.min,
      max: result.max,
      errors: result.errors,
    })),
    failures: job.errors.map((run: RunRecord) => ({
      slug: run.slug,
      trace_id: run.trace_id,
      error: run.error,
      status: run.status,
    })),
  };
}
