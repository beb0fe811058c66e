import { z } from 'zod';
import { type PlatformClient, PlatformError } from '../platform/client.js';
import { listOf, PlatformJob, PlatformTrace } from '../platform/shapes.js';
import { renderTable } from '../table.js';

const reward = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : value.toFixed(3);

/** LLM usage a gateway adds to a job (tokens in/out, cost in USD; absent on hud.ai). */
const JobUsage = z.looseObject({
  input_tokens: z.number().nullable().optional(),
  output_tokens: z.number().nullable().optional(),
  cost_usd: z.number().nullable().optional(),
  unpriced_requests: z.number().nullable().optional(),
});

/** The job's LLM usage line (`tokens 150 in / 15 out, cost $0.000675`), or undefined when it has none. */
export function usageLine(job: unknown): string | undefined {
  const parsed = JobUsage.safeParse(job);
  if (!parsed.success) return undefined;
  const usage = parsed.data;
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const unpriced = usage.unpriced_requests ?? 0;
  if (input === 0 && output === 0 && unpriced === 0) return undefined;
  const cost = usage.cost_usd == null ? 'unknown' : `$${usage.cost_usd.toFixed(6)}`;
  const note = unpriced > 0 ? ` (${unpriced} requests of models without a price not counted)` : '';
  return `tokens ${input} in / ${output} out, cost ${cost}${note}`;
}

/** How many jobs a prefix look-up reads (the gateway's page limit). */
const PREFIX_SCAN = 500;

/** A job's or a trace's status as shown: a cancel asked of something still running says so. */
export function shownStatus(record: {
  status?: string | null;
  cancel_requested?: boolean | undefined;
}): string {
  const status = record.status ?? 'unknown';
  return record.cancel_requested && status === 'running' ? 'running (cancel requested)' : status;
}

/** One trace of a job as a table row. */
function traceRow(trace: PlatformTrace): string[] {
  return [
    trace.task_slug ?? '',
    shownStatus(trace),
    reward(trace.reward),
    trace.stop_reason ?? '',
    trace.start_time ?? trace.created_at ?? '',
    trace.id,
    trace.error ?? '',
  ];
}

/**
 * The job `jobId` names: by id (32 hex or a UUID), else the one recent job whose id starts with it.
 * @throws PlatformError `not_found` when none or several match; others as the client throws them.
 */
export async function findJob(client: PlatformClient, jobId: string): Promise<PlatformJob> {
  try {
    return await client.get(`/v2/jobs/${encodeURIComponent(jobId)}`, { schema: PlatformJob });
  } catch (error) {
    const unknown =
      PlatformError.isInstance(error) && (error.code === 'not_found' || error.code === 'rejected');
    if (!unknown) throw error;
    const recent = await client.get('/v2/jobs', {
      query: { limit: PREFIX_SCAN },
      schema: listOf(PlatformJob),
    });
    const wanted = jobId.replaceAll('-', '').toLowerCase();
    const matches = recent.filter((job) =>
      job.id.replaceAll('-', '').toLowerCase().startsWith(wanted),
    );
    if (matches.length === 1) return matches[0] as PlatformJob;
    throw new PlatformError(
      'not_found',
      matches.length === 0
        ? `no job '${jobId}' on ${client.urls.api} for this key's team: hud jobs lists its recent jobs`
        : `'${jobId}' matches ${matches.length} jobs on ${client.urls.api}: give more of the id`,
    );
  }
}

/**
 * `hud jobs [job-id]` against the platform: `GET /v2/jobs?limit=` as a table (job, name, taskset, created,
 * status, runs, reward), or one job with `GET /v2/jobs/{id}/traces?limit=` (spec §9.8). `--json` prints the
 * platform's records (a list of jobs; one job with its `traces`).
 * @throws PlatformError (401 with the `hud login` hint, `not_found`, unreachable, …).
 */
export async function gatewayJobs(
  client: PlatformClient,
  jobId: string | undefined,
  flags: { json?: boolean; limit: number },
): Promise<void> {
  const color = process.stdout.isTTY === true;
  if (!jobId) {
    const jobs = await client.get('/v2/jobs', {
      query: { limit: flags.limit },
      schema: listOf(PlatformJob),
    });
    if (flags.json) return console.log(JSON.stringify(jobs));
    if (jobs.length === 0) {
      return console.log(`no jobs on ${client.urls.api}: run one with hud eval`);
    }
    const rows = jobs.map((job) => [
      job.id,
      job.name ?? '',
      job.taskset_name ?? '',
      job.created_at ?? '',
      shownStatus(job),
      job.trace_count ?? '—',
      reward(job.reward),
    ]);
    const head = ['job', 'name', 'taskset', 'created', 'status', 'runs', 'reward'];
    console.log(renderTable(head, rows, color));
    return;
  }
  const job = await findJob(client, jobId);
  const traces = await client.get(`/v2/jobs/${encodeURIComponent(job.id)}/traces`, {
    query: { limit: flags.limit },
    schema: listOf(PlatformTrace),
  });
  if (flags.json) return console.log(JSON.stringify({ ...job, traces }));
  console.log(
    `job ${job.id} — ${job.name || '(unnamed)'} (${shownStatus(job)}, created ${job.created_at ?? 'unknown'})`,
  );
  if (job.taskset_name) console.log(`taskset ${job.taskset_name}`);
  const usage = usageLine(job);
  if (usage) console.log(usage);
  const head = ['task', 'status', 'reward', 'stop', 'started', 'trace', 'error'];
  console.log(renderTable(head, traces.map(traceRow), color));
  const graded = traces.filter((trace) => trace.status === 'completed' && trace.reward != null);
  const total = job.trace_count ?? traces.length;
  const shown = total > traces.length ? ` (showing ${traces.length} of ${total}: --limit)` : '';
  console.log(
    `reward ${reward(job.reward)} over ${graded.length} graded runs; ${traces.length - graded.length} without a verdict${shown}`,
  );
  console.log('show a run: hud trace <trace-id>');
}
