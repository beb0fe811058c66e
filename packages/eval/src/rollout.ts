import {
  type Agent,
  HudClient,
  HudError,
  type HudLogger,
  isoTimestamp,
  type Provider,
  promptMessages,
  type RuntimeLease,
  type RuntimeLogLine,
  settleWithin,
  type TaskRow,
  type TraceStep,
} from '@hud/protocol';
import { abortable, RolloutStop } from './abort.js';
import { messageOf } from './errors.js';
import { FileTrackingObserver, type FileTrackingOptions } from './filetracking/observer.js';
import {
  hasVerdict,
  type RolloutPhase,
  type RunRecord,
  type RunTimings,
  sumUsage,
} from './run-record.js';
import { runTaskSteps, type TaskStepsOutcome } from './task-steps.js';
import { Trace } from './trace.js';

/** hud-python waits this long for `tasks.cancel` on timeout and cancellation. */
const CANCEL_WAIT_MS = 2_000;

/** What every rollout of a job shares. */
export interface RolloutSettings {
  agent: Agent;
  provider: Provider;
  maxSteps: number;
  agentTimeoutMs: number | undefined;
  rolloutTimeoutMs: number | undefined;
  readyTimeoutMs: number | undefined;
  /** How long the cleanup phase may take before it is left to finish in the background, ms. */
  teardownTimeoutMs: number;
  /** The job's cancellation signal. */
  signal: AbortSignal;
  logger: HudLogger | undefined;
  /** Record the environment's `filetracking` binding as spans (only when spans are uploaded). */
  fileTracking?: FileTrackingOptions;
  /** Takes teardown work that outlives its rollout, so the job can wait for it before it ends. */
  background(work: Promise<unknown>): void;
}

/** One slot of a job: which task, which repetition, which ids. */
export interface RolloutSlot {
  task: TaskRow;
  jobId: string;
  groupId: string;
  groupIndex: number;
  traceId: string;
}

/** Progress callbacks of one rollout. */
export interface RolloutHooks {
  onPhase?(phase: RolloutPhase): void;
  onStep?(step: TraceStep): void;
  /** The environment's output ({@link RuntimeLease.logLines}), read once before the lease is released. */
  onLogs?(lines: readonly RuntimeLogLine[]): void;
}

/** How long reading the environment's output before release may take, ms. */
const LOG_READ_WAIT_MS = 2_000;

/** Hands the lease's output to `hooks.onLogs` (bounded wait; a failure leaves the logs out). */
async function collectLogs(live: Live, hooks: RolloutHooks): Promise<void> {
  const read = live.lease?.logLines;
  if (!read || !hooks.onLogs || !live.lease) return;
  const lines = read.call(live.lease).catch(() => []);
  if ((await settleWithin(lines, LOG_READ_WAIT_MS)) === 'timeout') return;
  hooks.onLogs(await lines);
}

const TIMING_OF: Record<RolloutPhase, keyof RunTimings> = {
  provisioning: 'provisioning',
  'starting task': 'starting',
  'agent loop': 'agent',
  grading: 'grading',
  verifying: 'grading',
  cleanup: 'cleanup',
};

/** How long a dropped connection waits for the runtime to say the environment process died, ms. */
const DEATH_REPORT_WAIT_MS = 1_000;

/**
 * The text of a rollout failure. When the control connection dropped and the lease can say why (a local
 * child's lease has a `signal` that aborts with the exit code and last output once the process is gone,
 * which lands just after the connection's EOF), that account is appended: "env closed connection" alone
 * hides a crashed environment.
 */
async function failureText(thrown: unknown, lease: RuntimeLease | undefined): Promise<string> {
  const message = messageOf(thrown);
  const died = lease?.signal;
  if (!died) return message;
  if (!died.aborted && HudError.isInstance(thrown) && thrown.code === 'connection_closed') {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        died.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, DEATH_REPORT_WAIT_MS);
      died.addEventListener('abort', done, { once: true });
    });
  }
  return died.aborted ? `${message}: ${messageOf(died.reason)}` : message;
}

interface Live {
  lease?: RuntimeLease;
  client?: HudClient;
}

async function teardown(live: Live, sendCancel: boolean): Promise<string[]> {
  const problems: string[] = [];
  const { client, lease } = live;
  if (client && sendCancel) {
    // Best effort: the session may be gone already; close() below ends it either way.
    await settleWithin(client.cancel({ timeoutMs: CANCEL_WAIT_MS }), CANCEL_WAIT_MS);
  }
  try {
    await client?.close();
  } catch (error) {
    problems.push(`closing the control connection: ${messageOf(error)}`);
  }
  try {
    await lease?.[Symbol.asyncDispose]();
  } catch (error) {
    problems.push(`releasing the runtime: ${messageOf(error)}`);
  }
  return problems;
}

/**
 * Runs one rollout through its phases (hud-python `rollout`, spec §5.4): `provisioning` (the provider) →
 * `starting task` (connect, `tasks.start`, `task` and `user` steps) → `agent loop` → `grading`
 * (`tasks.grade`, `task` step), both again for each further step of a multi-step task (see
 * {@link runTaskSteps}) → `verifying` (only with a verifier) → `cleanup` (close the client, dispose the
 * lease; `tasks.cancel` first if the run left a step unfinished). Never throws: a failure
 * is recorded as `error: "[<phase>] <message>"` with a `system` step. On the rollout time limit the run is
 * returned at once as errored (stop reason `timeout`) while `tasks.cancel` and teardown continue in the
 * background; on job cancellation it gets `tasks.cancel`, is torn down and ends `cancelled`.
 */
export async function rollout(
  slot: RolloutSlot,
  settings: RolloutSettings,
  hooks: RolloutHooks = {},
): Promise<{ record: RunRecord; trace: Trace }> {
  const { task } = slot;
  const startedAt = isoTimestamp();
  const begin = performance.now();
  const trace = new Trace({ traceId: slot.traceId, onStep: hooks.onStep });
  const timings: RunTimings = {
    provisioning: 0,
    starting: 0,
    agent: 0,
    grading: 0,
    cleanup: 0,
    total: 0,
  };
  let phase: RolloutPhase = 'provisioning';
  let phaseStart = begin;
  const closePhase = () => {
    timings[TIMING_OF[phase]] += Math.round(performance.now() - phaseStart);
    phaseStart = performance.now();
  };
  const enter = (next: RolloutPhase) => {
    closePhase();
    phase = next;
    hooks.onPhase?.(next);
  };
  const live: Live = {};
  let prompt: unknown = null;
  let bindings: RunRecord['bindings'] = [];
  const outcome: TaskStepsOutcome = {
    answer: null,
    stopReason: null,
    grade: null,
    error: null,
    taskOpen: false,
  };
  const fail = (text: string) => {
    outcome.error ??= text;
    trace.record({ source: 'system', error: text });
  };

  const controller = new AbortController();
  const signal = controller.signal;
  const onCancel = () => controller.abort(new RolloutStop('cancelled', 'cancelled'));
  settings.signal.addEventListener('abort', onCancel, { once: true });
  if (settings.signal.aborted) onCancel();
  const limitMs = settings.rolloutTimeoutMs;
  const timer =
    limitMs === undefined
      ? undefined
      : setTimeout(() => {
          controller.abort(
            new RolloutStop('timeout', `rollout exceeded its time limit of ${limitMs} ms`),
          );
        }, limitMs);

  const drive = async () => {
    hooks.onPhase?.('provisioning');
    const lease = await abortable<RuntimeLease>(
      Promise.resolve().then(() => settings.provider(task, { signal, traceId: slot.traceId })),
      signal,
      (late) => settings.background(Promise.resolve(late[Symbol.asyncDispose]())),
    );
    live.lease = lease;
    enter('starting task');
    live.client = await HudClient.connect(lease, {
      signal,
      readyTimeoutMs: settings.readyTimeoutMs,
      logger: settings.logger,
    });
    signal.throwIfAborted();
    bindings = (live.client.manifest?.bindings ?? []).map(({ name, protocol }) => ({
      name,
      protocol,
    }));
    const start = await abortable(live.client.startTask(task.id, task.args), signal);
    prompt = start.prompt ?? null;
    trace.record({
      source: 'task',
      task_call: { phase: 'setup', name: task.id, arguments: task.args, result: start },
    });
    if (start.prompt !== undefined && start.prompt !== null) {
      trace.record({ source: 'user', messages: promptMessages(start.prompt) });
    }
    // Observation only: never fails the rollout (see FileTrackingObserver).
    const observer =
      settings.fileTracking === undefined
        ? undefined
        : await FileTrackingObserver.start(
            live.client,
            slot.traceId,
            settings.fileTracking,
            settings.logger,
          );
    try {
      await runTaskSteps({
        agent: settings.agent,
        task,
        client: live.client,
        prompt: start.prompt,
        trace,
        maxSteps: settings.maxSteps,
        agentTimeoutMs: settings.agentTimeoutMs,
        signal,
        fail,
        enter,
        outcome,
      });
    } finally {
      await observer?.stop({ flush: !signal.aborted });
    }
  };

  try {
    await drive();
  } catch (thrown) {
    if (!signal.aborted) fail(`[${phase}] ${await failureText(thrown, live.lease)}`);
  } finally {
    clearTimeout(timer);
    settings.signal.removeEventListener('abort', onCancel);
  }

  await collectLogs(live, hooks);
  const stop = signal.aborted ? (signal.reason as RolloutStop) : undefined;
  if (stop) {
    outcome.stopReason = stop.kind === 'timeout' ? 'timeout' : 'cancelled';
    fail(`[${phase}] ${stop.message}`);
  }
  if (stop?.kind === 'timeout') {
    closePhase();
    settings.background(
      teardown(live, true).then((problems) => {
        for (const problem of problems)
          settings.logger?.warn(`[cleanup] ${slot.traceId}: ${problem}`);
      }),
    );
  } else {
    enter('cleanup');
    const work = teardown(live, stop !== undefined || outcome.taskOpen);
    if ((await settleWithin(work, settings.teardownTimeoutMs)) === 'timeout') {
      fail(`[cleanup] teardown did not finish within ${settings.teardownTimeoutMs} ms`);
      settings.background(work);
    } else {
      for (const problem of await work) fail(`[cleanup] ${problem}`);
    }
    closePhase();
  }
  timings.total = Math.round(performance.now() - begin);
  const { answer, stopReason, grade, error } = outcome;
  trace.status = stop?.kind === 'cancelled' ? 'cancelled' : error === null ? 'completed' : 'error';
  trace.stop_reason = stopReason;
  trace.close();
  const verdict = grade !== null && hasVerdict({ grade });
  const record: RunRecord = {
    trace_id: slot.traceId,
    job_id: slot.jobId,
    group_id: slot.groupId,
    group_index: slot.groupIndex,
    slug: task.slug,
    task,
    prompt,
    bindings,
    answer,
    grade,
    reward: verdict ? grade.score : null,
    isError: !verdict,
    status: trace.status,
    stop_reason: stopReason,
    error,
    timings,
    usage: sumUsage(trace.steps),
    started_at: startedAt,
    ended_at: isoTimestamp(),
  };
  return { record, trace };
}
