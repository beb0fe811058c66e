/**
 * `hud eval "<taskset>" <agent> --remote`: the job's rollouts go to the gateway's queue
 * (`POST /v2/rollouts/submit_batch`, the hosted rollouts contract; each rollout hud-python's
 * `HostedRuntime` submit body, spec §6.2) and `hud worker`s run them; this process follows the job live
 * (`GET /v2/jobs/{id}/stream`) with the progress bar and summary table of a local job. Ctrl-C asks whether
 * to cancel the job (`POST /v2/rollouts/cancel_job`) or leave it running.
 */

import { Job, jobName, newId, Taskset } from '@hud/eval';
import { isoTimestamp, type TaskRow } from '@hud/protocol';
import { z } from 'zod';
import { evalExitCode } from '../eval/exit-code.js';
import type { EvalPlan } from '../eval/plan.js';
import { JobDisplay } from '../eval/progress.js';
import type { EvalReport } from '../eval/report.js';
import { summaryJson, summaryLines } from '../eval/summary.js';
import { confirm } from '../prompt.js';
import type { PlatformClient } from './client.js';
import { HostedJobTracker } from './hosted-eval-job.js';
import { followJobStream } from './hosted-eval-stream.js';
import { fetchTaskset } from './remote-taskset.js';
import { PlatformJob } from './shapes.js';

/** Most rollouts per `submit_batch` call (the contract's limit). */
export const SUBMIT_BATCH_MAX = 10_000;

const SubmitReply = z.looseObject({ job_id: z.string(), submitted: z.number() });

/** One rollout of a `submit_batch` body (hud-python's submit body without `job_id`). */
export interface HostedRollout {
  trace_id: string;
  env: string;
  task: string;
  slug: string;
  args: Record<string, unknown>;
  agent: { type: string; config: Record<string, unknown> };
  group_id: string;
  runtime_config?: Record<string, unknown>;
  verifier?: TaskRow;
}

/**
 * The rollouts of a job: each task `group` times, task-major, a fresh trace id each and one group id per
 * task (as a local job expands them). The agent config is the plan's (`-c`, the `[agent]` section), with
 * `model` and `max_steps`, merged with the row's `agent_config` (hud-python `HostedRuntime`: the row's
 * per-task overrides win).
 */
export function hostedRollouts(
  tasks: readonly TaskRow[],
  plan: Pick<EvalPlan, 'agent' | 'group' | 'maxSteps'>,
): HostedRollout[] {
  const rollouts: HostedRollout[] = [];
  for (const task of tasks) {
    const groupId = newId();
    const config: Record<string, unknown> = {
      ...plan.agent.config,
      max_steps: plan.maxSteps,
      ...(plan.agent.model ? { model: plan.agent.model } : {}),
      ...(task.agent_config ?? {}),
    };
    for (let index = 0; index < plan.group; index++) {
      rollouts.push({
        trace_id: newId(),
        env: task.env,
        task: task.id,
        slug: task.slug,
        args: task.args ?? {},
        agent: { type: plan.agent.name, config },
        group_id: groupId,
        ...(task.runtime_config ? { runtime_config: task.runtime_config } : {}),
        ...(task.verifier ? { verifier: task.verifier } : {}),
      });
    }
  }
  return rollouts;
}

/**
 * Submits the job in batches of {@link SUBMIT_BATCH_MAX} (retried on connection failures and 5xx: a
 * submit is idempotent per trace id).
 * @throws PlatformError with the gateway's reason.
 */
export async function submitJob(
  client: PlatformClient,
  job: { id: string; name: string; tasksetId: string | undefined; maxConcurrent: number },
  rollouts: readonly HostedRollout[],
): Promise<void> {
  for (let from = 0; from < rollouts.length; from += SUBMIT_BATCH_MAX) {
    await client.post(
      '/v2/rollouts/submit_batch',
      {
        job_id: job.id,
        job_name: job.name,
        ...(job.tasksetId ? { taskset_id: job.tasksetId } : {}),
        max_concurrent: job.maxConcurrent,
        rollouts: rollouts.slice(from, from + SUBMIT_BATCH_MAX),
      },
      { schema: SubmitReply, retry: true },
    );
  }
}

/** What {@link followHostedJob} needs. */
export interface FollowOptions {
  client: PlatformClient;
  apiKey: string;
  job: Job;
  /** Rollouts of the job (the snapshot's total wins once it arrives). */
  total: number;
  tasks?: ReadonlyMap<string, TaskRow>;
  /** Step lines instead of a bar. */
  detailed: boolean;
  report: EvalReport;
  /**
   * Ctrl-C: asked whether to cancel the job (true: cancel it and follow it to its end; false: stop
   * following, the job goes on). Without it, Ctrl-C stops following.
   */
  askCancel?: () => Promise<boolean>;
  /**
   * After this long with every rollout still queued, one warning that the job waits for a worker (then
   * one a minute while none is claimed), ms (default {@link WORKER_WAIT_NOTICE_MS}).
   */
  waitNoticeMs?: number;
}

/** How long a followed job may have no rollout claimed before the user is told it waits for a worker, ms. */
export const WORKER_WAIT_NOTICE_MS = 5_000;

/** How often the notice is repeated while no worker claims a rollout, ms. */
const WORKER_WAIT_REPEAT_MS = 60_000;

/**
 * The warning of a job whose `queued` rollouts no worker has claimed for `waitedMs`: names the gateway and
 * how to start a worker for it.
 */
export function waitingForWorkerLine(queued: number, waitedMs: number, apiUrl: string): string {
  const waited =
    waitedMs < 60_000 ? `${Math.round(waitedMs / 1000)} s` : `${Math.round(waitedMs / 60_000)} min`;
  return `no worker has claimed the job's ${queued} queued rollout${queued === 1 ? '' : 's'} in ${waited}: waiting for a hud worker on ${apiUrl} (start one with HUD_API_URL=${apiUrl} and HUD_API_KEY a key of this team or an admin key of the gateway's first team: hud worker); Ctrl-C stops following`;
}

/**
 * Follows a hosted job to its end with the local job display (on stderr) and returns the job with every
 * finished run, and whether this process stopped following before the end (`detached`).
 * @throws PlatformError when the stream is refused (unknown job, key).
 */
export async function followHostedJob(
  options: FollowOptions,
): Promise<{ job: Job; detached: boolean }> {
  const { client, job, report } = options;
  const display = new JobDisplay({ stream: process.stderr, detailed: options.detailed });
  let paused = false;
  const tracker = new HostedJobTracker({
    job,
    total: options.total,
    ...(options.tasks ? { tasks: options.tasks } : {}),
    emit: (event) => {
      if (!paused) display.onEvent(event);
    },
  });
  const controller = new AbortController();
  let detached = false;
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1 || !options.askCancel) {
      detached = true;
      controller.abort();
      return;
    }
    paused = true;
    display.stop();
    void options
      .askCancel()
      .catch(() => false)
      .then(async (cancel) => {
        if (!cancel) {
          detached = true;
          controller.abort();
          return;
        }
        tracker.cancelled = true;
        report.say(`cancelling job ${job.id}…`);
        await client.post('/v2/rollouts/cancel_job', { job_id: job.id }).catch((error: Error) => {
          report.warn(`could not cancel job ${job.id}: ${error.message}`);
        });
        paused = false;
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Nothing claimed after a while: say the job waits for a worker rather than sit silent.
  const begin = performance.now();
  let notice: NodeJS.Timeout | undefined;
  const checkWaiting = (nextMs: number) => {
    notice = setTimeout(() => {
      const queued = tracker.unclaimed();
      if (queued === 0) return;
      // Not connected yet (the stream's own warnings say why): look again soon.
      if (queued === undefined) return checkWaiting(Math.min(1_000, nextMs));
      if (!paused)
        report.warn(waitingForWorkerLine(queued, performance.now() - begin, client.urls.api));
      checkWaiting(WORKER_WAIT_REPEAT_MS);
    }, nextMs);
    notice.unref();
  };
  checkWaiting(options.waitNoticeMs ?? WORKER_WAIT_NOTICE_MS);
  try {
    await followJobStream(
      {
        apiUrl: client.urls.api,
        apiKey: options.apiKey,
        jobId: job.id,
        signal: controller.signal,
      },
      {
        onSnapshot: tracker.onSnapshot,
        onTrace: tracker.onTrace,
        onTrouble: (error) =>
          report.warn(
            error
              ? `lost the job's stream (${error.message}); reconnecting`
              : "following the job's stream again",
          ),
      },
    );
  } finally {
    clearTimeout(notice);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    display.stop();
  }
  return { job: tracker.finish(), detached };
}

/**
 * Prints the end of a followed hosted job: the summary table of a local job (its `store:` line replaced by
 * the job's page), or with `--json` the summary object; when this process stopped following, how to
 * follow it again.
 */
export function reportHostedJob(
  job: Job,
  options: { report: EvalReport; json: boolean; webUrl: string; detached: boolean },
): void {
  const { report } = options;
  const page = `${options.webUrl}/jobs/${job.id}`;
  if (options.detached) {
    report.say(
      `job ${job.id} goes on without this process: follow it with hud jobs ${job.id} --follow`,
    );
    return;
  }
  for (const line of summaryLines(job, page, { color: process.stdout.isTTY === true })) {
    report.say(line.startsWith('store: ') ? `job: ${page}` : line);
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summaryJson(job, page))}\n`);
}

/**
 * `hud eval <taskset> <agent> --remote`: submits every selected row × group and follows the job to its end;
 * sets the exit code as a local job's ({@link evalExitCode}; 130 when Ctrl-C left it running).
 * @throws Error for an agent no worker could build; PlatformError from the gateway.
 */
export async function hostedEval(options: {
  plan: EvalPlan;
  taskset: Taskset;
  client: PlatformClient;
  apiKey: string;
  report: EvalReport;
}): Promise<void> {
  const { plan, taskset, client, report } = options;
  const job = new Job({
    id: newId(),
    name: jobName(taskset, plan.group),
    group: plan.group,
    createdAt: isoTimestamp(),
    ...(taskset.tasksetId ? { tasksetId: taskset.tasksetId } : {}),
  });
  const rollouts = hostedRollouts(taskset.tasks, plan);
  await submitJob(
    client,
    {
      id: job.id,
      name: job.name,
      tasksetId: taskset.tasksetId,
      maxConcurrent: plan.maxConcurrent,
    },
    rollouts,
  );
  report.say(`job: ${client.urls.web}/jobs/${job.id}`);
  report.header({
    tasks: taskset.size,
    group: plan.group,
    agent: { name: plan.agent.name, model: plan.agent.model },
    runtime: `remote (${client.urls.api})`,
  });
  const { job: finished, detached } = await followHostedJob({
    client,
    apiKey: options.apiKey,
    job,
    total: rollouts.length,
    tasks: new Map(taskset.tasks.map((task) => [task.slug, task])),
    detailed: rollouts.length === 1 || plan.verbose > 0,
    report,
    askCancel: () =>
      confirm(`\ncancel job ${job.id} on ${client.urls.api}?`, {
        refusal: 'no terminal to ask on',
      }),
  });
  reportHostedJob(finished, {
    report,
    json: plan.json,
    webUrl: client.urls.web,
    detached,
  });
  process.exitCode = detached ? 130 : evalExitCode(finished);
}

/**
 * The platform taskset `name` (hud-python `Taskset.from_api`) for `--remote`.
 * @throws Error naming the taskset and the platform when there is none, or it has no tasks.
 */
export async function fetchRemoteTaskset(
  client: PlatformClient,
  name: string,
  note: (line: string) => void,
): Promise<Taskset> {
  const remote = await fetchTaskset(client, name);
  if (!remote) {
    throw new Error(
      `no task source '${name}' here and no taskset of that name on ${client.urls.api}: sync one with hud sync tasks ${name}`,
    );
  }
  if (remote.tasks.length === 0)
    throw new Error(`taskset '${remote.name}' on ${client.urls.api} has no tasks`);
  note(
    `taskset ${remote.name} (${remote.id}) from ${client.urls.api}: ${remote.tasks.length} tasks`,
  );
  return new Taskset(remote.name, remote.tasks, { tasksetId: remote.id });
}

/**
 * `hud jobs <id> --follow`: follows a job of the platform live (the stream of `--remote`) to its end with
 * the progress bar and summary table of a local job; Ctrl-C stops following (the job goes on). Sets the
 * exit code as `hud eval` would for the job.
 * @throws PlatformError `not_found` for an unknown job; others as the platform answers.
 */
export async function followJobAction(
  client: PlatformClient,
  apiKey: string,
  jobId: string,
  options: { json: boolean; report: EvalReport },
): Promise<void> {
  const found = await client.get(`/v2/jobs/${encodeURIComponent(jobId)}`, { schema: PlatformJob });
  const job = new Job({
    id: found.id,
    name: found.name ?? found.id,
    group: 1,
    createdAt: found.created_at ?? isoTimestamp(),
  });
  options.report.say(`following job ${job.id}${found.name ? ` (${found.name})` : ''}`);
  const { job: finished, detached } = await followHostedJob({
    client,
    apiKey,
    job,
    total: found.trace_count ?? 0,
    detailed: false,
    report: options.report,
  });
  reportHostedJob(finished, {
    report: options.report,
    json: options.json,
    webUrl: client.urls.web,
    detached,
  });
  process.exitCode = detached ? 130 : evalExitCode(finished);
}
