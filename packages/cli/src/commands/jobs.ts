import path from 'node:path';
import { JobStore, type RunRecord } from '@hud/eval';
import Table from 'cli-table3';
import type { Command } from 'commander';

const plain = (tty: boolean | undefined) => (tty ? {} : { head: [], border: [] });
const reward = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : value.toFixed(3);

function runRow(run: RunRecord): string[] {
  return [
    run.slug,
    String(run.group_index),
    run.status,
    reward(run.reward),
    run.stop_reason ?? '',
    `${Math.round(run.timings.total)} ms`,
    run.trace_id,
    run.error ?? '',
  ];
}

/** `hud jobs [job-id]`: the jobs in the local store, or the runs of one job. */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list the jobs in the local store, or show the runs of one job')
    .argument('[job-id]', 'a job id (a unique prefix is enough)')
    .option('--store <dir>', 'job store directory', '.hud/jobs')
    .option('--json', 'print JSON instead of a table')
    .action(async (jobId: string | undefined, flags: { store: string; json?: boolean }) => {
      const store = new JobStore(path.resolve(flags.store));
      const jobs = await store.listJobs();
      if (!jobId) {
        if (flags.json) return console.log(JSON.stringify(jobs));
        if (jobs.length === 0)
          return console.log(`no jobs in ${store.root}: run one with hud eval`);
        const table = new Table({
          head: ['job', 'name', 'created', 'status', 'runs', 'reward'],
          style: plain(process.stdout.isTTY),
        });
        for (const job of jobs) {
          table.push([
            job.id,
            job.name,
            job.created_at,
            job.status,
            job.totals?.runs ?? '—',
            reward(job.totals?.reward),
          ]);
        }
        return console.log(table.toString());
      }
      const matches = jobs.filter((job) => job.id.startsWith(jobId));
      if (matches.length !== 1) {
        throw new Error(
          matches.length === 0
            ? `no job '${jobId}' in ${store.root}`
            : `'${jobId}' matches ${matches.length} jobs: give more of the id`,
        );
      }
      const meta = matches[0] as (typeof matches)[number];
      const job = await store.loadJob(meta.id);
      if (flags.json) return console.log(JSON.stringify({ ...meta, runs: job.runs }));
      console.log(`job ${meta.id} — ${meta.name} (${meta.status}, created ${meta.created_at})`);
      console.log(
        `agent ${meta.agent.name}${meta.agent.model ? ` (${meta.agent.model})` : ''}; source ${meta.source ?? 'unknown'}`,
      );
      const table = new Table({
        head: ['task', 'group #', 'status', 'reward', 'stop', 'time', 'trace', 'error'],
        style: plain(process.stdout.isTTY),
      });
      for (const run of job.runs) table.push(runRow(run));
      console.log(table.toString());
      console.log(
        `reward ${reward(job.reward)} over ${job.runs.length - job.errors.length} graded runs; ${job.errors.length} without a verdict`,
      );
      console.log('show a run: hud trace <trace-id>');
    });
}
