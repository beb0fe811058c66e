import { setMaxListeners } from 'node:events';
import { isoTimestamp, settleWithin, type TaskRow } from '@hud/protocol';
import { agentTimeoutMs } from './agent-phase.js';
import { HudEvalError, messageOf } from './errors.js';
import { type JobEvent, ProgressTracker, type RunInfo } from './events.js';
import { newId } from './ids.js';
import { Job, slotKey, slotOutcomes } from './job.js';
import type { JobMeta } from './job-meta.js';
import { currentOwner, ownerState } from './job-owner.js';
import { describeSetting, resumeDifferences } from './resume-check.js';
import { type RolloutSettings, type RolloutSlot, rollout } from './rollout.js';
import { RunDefaults, type RunOptions, validateRunOptions } from './run-options.js';
import { hasVerdict, type RunRecord } from './run-record.js';
import { RunSideWriter, storedFileTracking } from './run-side-writer.js';
import type { RunStore } from './run-store.js';
import { runPool } from './scheduler.js';
import type { JobWriter } from './store-writer.js';

/**
 * What the runner reads of a taskset (a `Taskset` is one): its name, HUD platform id and task rows in order.
 * Declared here so the runner does not import `Taskset`, whose `run` calls the runner.
 */
export interface RunnableTaskset extends Iterable<TaskRow> {
  readonly name: string;
  readonly tasksetId: string | undefined;
  /** Number of tasks. */
  readonly size: number;
  readonly tasks: readonly TaskRow[];
  readonly slugs: readonly string[];
}

/** hud-python's job name (spec §5.3 step 5). */
export function jobName(taskset: RunnableTaskset, group: number): string {
  const [only] = taskset.tasks;
  const base = taskset.size === 1 && only ? only.id : `${taskset.name} (${taskset.size} tasks)`;
  return group > 1 ? `${base} (${group} times)` : base;
}

function checkTimeouts(taskset: RunnableTaskset, options: RunOptions): void {
  const rolloutMs = options.rolloutTimeoutMs;
  if (rolloutMs === undefined) return;
  for (const task of taskset) {
    const agentMs = agentTimeoutMs(task, options.agentTimeoutMs);
    if (agentMs !== undefined && agentMs >= rolloutMs) {
      throw new HudEvalError(
        'invalid_argument',
        `task '${task.slug}': the agent time limit (${agentMs} ms) must be below the rollout time limit (${rolloutMs} ms)`,
      );
    }
  }
}

interface Opened {
  job: Job;
  group: number;
  maxSteps: number;
  previous: RunRecord[];
  writer: JobWriter | undefined;
  meta: JobMeta | undefined;
}

/**
 * Checks that a resume of job `meta` runs what the job recorded and that no live process runs it.
 * @throws HudEvalError `resume_mismatch` naming every difference; `job_running`.
 */
async function checkResume(
  store: RunStore,
  meta: JobMeta,
  taskset: RunnableTaskset,
  options: RunOptions,
): Promise<void> {
  if (meta.status === 'running' && ownerState(meta.owner) === 'alive' && meta.owner) {
    throw new HudEvalError(
      'job_running',
      `job ${meta.id} is still being run by process ${meta.owner.pid} on ${meta.owner.host}: wait for it to end, or stop it first`,
    );
  }
  const recordedSlugs = (await store.readTasks(meta.id)).map((row) => row.slug);
  const differences = resumeDifferences(
    meta,
    {
      agent: options.agent.name,
      model: options.agent.model ?? null,
      group: options.group,
      maxSteps: options.maxSteps,
      source: options.source,
      slugs: taskset.slugs,
    },
    recordedSlugs,
  );
  if (differences.length > 0) {
    const described = differences
      .map(
        (difference) =>
          `it was run with ${describeSetting(difference.field, difference.recorded)}, this run has ${describeSetting(difference.field, difference.given)}`,
      )
      .join('; ');
    throw new HudEvalError(
      'resume_mismatch',
      `cannot resume job ${meta.id}: ${described} — resume it with what it recorded, or start a new job`,
    );
  }
}

async function openJob(taskset: RunnableTaskset, options: RunOptions): Promise<Opened> {
  const { store } = options;
  const now = isoTimestamp();
  if (options.resume && store) {
    const meta = await store.openJob(options.resume);
    await checkResume(store, meta, taskset, options);
    const group = options.group ?? meta.group;
    const maxSteps = options.maxSteps ?? meta.max_steps ?? RunDefaults.maxSteps;
    const previous = await store.readRuns(meta.id);
    const job = new Job({ id: meta.id, name: meta.name, group, createdAt: meta.created_at });
    const writer = await store.reopen(meta.id);
    const reopened: JobMeta = {
      ...meta,
      group,
      max_steps: maxSteps,
      updated_at: now,
      status: 'running',
      owner: currentOwner(),
    };
    await writer.writeMeta(reopened);
    return { job, group, maxSteps, previous, writer, meta: reopened };
  }
  const group = options.group ?? options.job?.group ?? RunDefaults.group;
  const maxSteps = options.maxSteps ?? RunDefaults.maxSteps;
  const job =
    options.job ??
    new Job({
      id: newId(),
      name: options.name ?? jobName(taskset, group),
      group,
      createdAt: now,
      tasksetId: taskset.tasksetId,
    });
  if (!store) return { job, group, maxSteps, previous: [], writer: undefined, meta: undefined };
  const meta: JobMeta = {
    id: job.id,
    name: job.name,
    group,
    created_at: job.createdAt,
    updated_at: now,
    status: 'running',
    source: options.source ?? null,
    agent: { name: options.agent.name, model: options.agent.model ?? null },
    max_steps: maxSteps,
    ...(options.settings ? { settings: { ...options.settings } } : {}),
    owner: currentOwner(),
    taskset: {
      name: taskset.name,
      count: taskset.size,
      taskset_id: taskset.tasksetId ?? null,
      file: 'tasks.jsonl',
    },
    totals: null,
  };
  if (!(await store.has(job.id))) {
    return {
      job,
      group,
      maxSteps,
      previous: [],
      writer: await store.create(meta, taskset.tasks),
      meta,
    };
  }
  const writer = await store.reopen(job.id);
  await writer.writeMeta(meta);
  return { job, group, maxSteps, previous: [], writer, meta };
}

/** Puts `records` in expansion order: task order of `taskset`, then group index (stable otherwise). */
function expansionOrder(records: RunRecord[], taskset: RunnableTaskset): RunRecord[] {
  const position = new Map(taskset.slugs.map((slug, index) => [slug, index]));
  const rank = (record: RunRecord) => position.get(record.slug) ?? Number.MAX_SAFE_INTEGER;
  return records.sort((a, b) => rank(a) - rank(b) || a.group_index - b.group_index);
}

/**
 * Runs a taskset (hud-python `Taskset.run`, spec §5.3): expands tasks × group task-major with one
 * `group_id` per task, runs the slots through {@link rollout} with bounded concurrency, records them in
 * the store, and returns the job. See `Taskset.run`.
 */
export async function runTaskset(taskset: RunnableTaskset, options: RunOptions): Promise<Job> {
  validateRunOptions(options);
  checkTimeouts(taskset, options);
  const { job, group, maxSteps, previous, writer, meta } = await openJob(taskset, options);
  const { logger, onEvent } = options;
  const emit = (event: JobEvent) => {
    try {
      onEvent?.(event);
    } catch (error) {
      logger?.warn(`onEvent threw on ${event.type}: ${messageOf(error)}`);
    }
  };

  // Resume: slots with a verdict are done; a task keeps the group id it had.
  const done = new Set(
    previous.filter(hasVerdict).map((run) => slotKey(run.slug, run.group_index)),
  );
  const groupIds = new Map(previous.map((run) => [run.slug, run.group_id]));
  let total = 0;
  for (const task of taskset) {
    for (let index = 0; index < group; index++) if (!done.has(slotKey(task.slug, index))) total++;
  }
  const slots = function* (): Generator<RolloutSlot> {
    for (const task of taskset) {
      let groupId: string | undefined;
      for (let groupIndex = 0; groupIndex < group; groupIndex++) {
        if (done.has(slotKey(task.slug, groupIndex))) continue;
        groupId ??= groupIds.get(task.slug) ?? newId();
        yield { task, jobId: job.id, groupId, groupIndex, traceId: newId() };
      }
    }
  };

  const cancel = new AbortController();
  setMaxListeners(0, cancel.signal); // one listener per rollout in flight
  const tracker = new ProgressTracker(total, taskset.size * group - total);
  const onAbort = () => {
    tracker.cancelled = true;
    cancel.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const background = new Set<Promise<unknown>>();
  /** The side writers of the runs in progress, by trace id (spans, logs, events; with a store only). */
  const sides = new Map<string, RunSideWriter>();
  const settings: RolloutSettings = {
    agent: options.agent,
    provider: options.provider,
    maxSteps,
    agentTimeoutMs: options.agentTimeoutMs,
    rolloutTimeoutMs: options.rolloutTimeoutMs,
    readyTimeoutMs: options.readyTimeoutMs,
    teardownTimeoutMs: options.teardownTimeoutMs ?? RunDefaults.teardownTimeoutMs,
    signal: cancel.signal,
    logger,
    fileTracking: storedFileTracking(options.fileTracking, writer, sides),
    background: (work) => {
      const tracked = work.catch((error) =>
        logger?.warn(`background teardown: ${messageOf(error)}`),
      );
      background.add(tracked);
      void tracked.finally(() => background.delete(tracked));
    },
  };
  const keepTraces = options.keepTraces ?? options.store === undefined;
  const fresh: RunRecord[] = [];
  emit({ type: 'job-start', job, progress: tracker.snapshot() });

  // Admission (a budget) stops new rollouts without cancelling running ones.
  const admission = new AbortController();
  await runPool(
    slots(),
    {
      concurrency: options.maxConcurrent ?? RunDefaults.maxConcurrent,
      signal: AbortSignal.any([cancel.signal, admission.signal]),
    },
    async (slot) => {
      const refusal = options.admit?.();
      if (refusal !== undefined) {
        job.stopped ??= refusal;
        admission.abort();
        return;
      }
      const info: RunInfo = {
        trace_id: slot.traceId,
        slug: slot.task.slug,
        group_id: slot.groupId,
        group_index: slot.groupIndex,
        phase: 'provisioning',
      };
      tracker.started();
      // Per-run and per-phase events are only built for a listener (several objects each, every phase).
      if (onEvent) emit({ type: 'run-start', run: { ...info }, progress: tracker.snapshot() });
      const traceWriter = writer?.startTrace(slot.traceId);
      const side = writer ? new RunSideWriter(writer, slot.traceId) : undefined;
      if (side) sides.set(slot.traceId, side);
      const { record, trace } = await rollout(slot, settings, {
        onPhase: (phase) => {
          info.phase = phase;
          side?.phase(phase);
          if (onEvent)
            emit({ type: 'phase', run: { ...info }, phase, progress: tracker.snapshot() });
        },
        onStep: (step) => traceWriter?.write(step),
        onLogs: (lines) => side?.logs(lines),
      });
      sides.delete(slot.traceId);
      try {
        side?.end(record);
        await side?.close();
        await traceWriter?.close();
        await writer?.appendRun(record);
      } catch (error) {
        logger?.warn(`job store: could not record run ${record.trace_id}: ${messageOf(error)}`);
      }
      fresh.push(record);
      if (keepTraces) job.keepTrace(trace);
      tracker.ended(record);
      if (onEvent) emit({ type: 'run-end', run: record, progress: tracker.snapshot() });
    },
  );
  options.signal?.removeEventListener('abort', onAbort);

  if ((await settleWithin(Promise.all(background), settings.teardownTimeoutMs)) === 'timeout') {
    logger?.warn(
      `${background.size} rollout teardown(s) still running after ${settings.teardownTimeoutMs} ms`,
    );
  }
  const outcomes = options.resume
    ? slotOutcomes([...previous, ...fresh])
    : [...(options.job ? job.runs : []), ...fresh];
  job.runs.length = 0;
  for (const record of expansionOrder(outcomes, taskset)) job.runs.push(record);
  job.cancelled =
    tracker.cancelled && (fresh.length < total || fresh.some((run) => run.status === 'cancelled'));
  if (writer && meta) {
    try {
      await writer.writeMeta({
        ...meta,
        updated_at: isoTimestamp(),
        status: job.cancelled ? 'cancelled' : 'completed',
        totals: job.totals(),
      });
    } catch (error) {
      logger?.warn(`job store: could not write job.json: ${messageOf(error)}`);
    }
    await writer.close().catch(() => {});
  }
  emit({ type: 'job-end', job, progress: tracker.snapshot() });
  return job;
}
