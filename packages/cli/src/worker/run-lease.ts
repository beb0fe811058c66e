/**
 * One leased rollout on a worker: the lease's row and agent, run through `@hud/eval`'s `rollout` under the
 * lease's own trace and job ids on the worker's {@link Substrate}, its steps uploaded as spans with the
 * lease's key, and the outcome the worker reports (`POST /v2/workers/complete`) or drops.
 */
import { AgentError, createAgent, ToolLoopAgent } from '@hud/agents';
import {
  endEvent,
  parseTask,
  phaseEvent,
  type RunRecord,
  rollout,
  type StoreDebugEvent,
  type StoreLogLine,
  stepSpan,
  storedLogLines,
  TelemetryUploader,
  type Trace,
  traceExitReport,
} from '@hud/eval';
import {
  type Agent,
  type HudLogger,
  type Provider,
  settleWithin,
  type TaskRow,
} from '@hud/protocol';
import type { PlatformUrls } from '../platform/urls.js';
import type { Completion, Lease } from './lease.js';
import { type Substrate, SubstrateRefusal } from './substrate.js';

/**
 * Why a lease's rollout was stopped: `cancelled` (the heartbeat says the trace or job was cancelled),
 * `lost` (the lease is no longer this worker's), `shutdown` (the worker is stopping: the lease goes back).
 */
export class LeaseStop extends Error {
  readonly kind: 'cancelled' | 'lost' | 'shutdown';
  constructor(kind: LeaseStop['kind']) {
    super(`lease ${kind}`);
    this.name = 'LeaseStop';
    this.kind = kind;
  }
}

/** What the worker does with a finished lease: report `completion`, or drop the result. */
export type LeaseOutcome =
  | { kind: 'complete'; completion: Completion; record?: RunRecord }
  | { kind: 'drop'; reason: string };

/** Options of {@link runLease}. */
export interface RunLeaseOptions {
  lease: Lease;
  substrate: Substrate;
  /** The gateway's URLs: the agent's `HUD_GATEWAY_URL` is `gateway`, spans go to `telemetry`. */
  urls: PlatformUrls;
  /** Aborted with a {@link LeaseStop}. */
  signal: AbortSignal;
  readyTimeoutMs?: number;
  /** How long the span upload may take before the verdict is reported anyway, ms (default 30 000). */
  uploadTimeoutMs?: number;
  logger?: HudLogger;
  /** For tests: the span upload's fetch. */
  fetch?: typeof fetch;
}

/** The agent's step budget when the submitted config has no `max_steps` (hud-python's `AgentConfig`). */
const DEFAULT_MAX_STEPS = 10;
/** How long a stopped rollout's teardown may take before the lease is reported anyway, ms. */
const TEARDOWN_MS = 10_000;

/**
 * The task row of a lease (hud-python `HostedRuntime` submit → row: `task` is the row's `id`); the
 * submitted agent config, merged with the row's `agent_config` by the submitter, is the row's
 * `agent_config` so a `timeout_seconds` in it limits the agent loop as locally.
 * @throws HudEvalError `invalid_task` naming the lease when the row is not a valid task.
 */
export function leaseRow(lease: Lease): TaskRow {
  const { rollout: submitted } = lease;
  const { model: _model, ...agentConfig } = submitted.agent.config ?? {};
  return parseTask(
    {
      env: submitted.env,
      id: submitted.task,
      slug: submitted.slug,
      args: submitted.args ?? {},
      ...(submitted.runtime_config ? { runtime_config: submitted.runtime_config } : {}),
      ...(submitted.verifier ? { verifier: submitted.verifier } : {}),
      ...(Object.keys(agentConfig).length > 0 ? { agent_config: agentConfig } : {}),
    },
    { where: `lease ${lease.lease_id} (trace ${lease.trace_id})` },
  );
}

/**
 * The lease's agent (`@hud/agents` `createAgent(type, {model, config})`), with the lease's key as
 * `HUD_API_KEY` and the gateway as `HUD_GATEWAY_URL` and nothing else: model calls go through the gateway,
 * never with a provider key of the worker or the client. A model harness is loaded before the rollout.
 * @throws AgentError (unknown agent, harness not installed).
 */
export async function leaseAgent(
  lease: Lease,
  urls: PlatformUrls,
  logger?: HudLogger,
): Promise<{ agent: Agent; maxSteps: number }> {
  const { model, max_steps: maxSteps, ...config } = lease.rollout.agent.config ?? {};
  const agent = createAgent(lease.rollout.agent.type, {
    ...(typeof model === 'string' && model ? { model } : {}),
    config,
    settings: { HUD_API_KEY: lease.key, HUD_GATEWAY_URL: urls.gateway },
    ...(logger ? { logger } : {}),
  });
  if (agent instanceof ToolLoopAgent) await agent.adapter();
  const steps =
    typeof maxSteps === 'number' && Number.isInteger(maxSteps) && maxSteps > 0
      ? maxSteps
      : DEFAULT_MAX_STEPS;
  return { agent, maxSteps: steps };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The run's LOGS and DEBUG lines kept for the upload (`POST /v2/trace/{id}/logs` of the gateway). */
interface LeaseLines {
  logs: StoreLogLine[];
  events: StoreDebugEvent[];
}

/**
 * Uploads the trace's steps as spans under the lease's trace id with the lease's key, then its log lines
 * and debug events; never throws.
 */
async function uploadSpans(
  trace: Trace,
  options: RunLeaseOptions,
  lines: LeaseLines = { logs: [], events: [] },
): Promise<void> {
  const { lease, urls } = options;
  if (trace.steps.length === 0 && lines.logs.length === 0 && lines.events.length === 0) return;
  const uploader = new TelemetryUploader({
    telemetryUrl: urls.telemetry,
    apiUrl: urls.api,
    apiKey: lease.key,
    // ~20 s of backoff (250 ms doubling to 4 s): spans outlast a gateway restart, within the flush limit.
    retries: 8,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  uploader.spans(
    lease.trace_id,
    trace.steps.map((step) => stepSpan(lease.trace_id, step)),
  );
  if (lines.logs.length > 0 || lines.events.length > 0) {
    uploader.report(lease.trace_id, {
      path: `/v2/trace/${encodeURIComponent(lease.trace_id)}/logs`,
      body: { logs: lines.logs, events: lines.events },
    });
  }
  const summary = await uploader.flush(options.uploadTimeoutMs ?? 30_000);
  if (summary.spansUnsent > 0) {
    options.logger?.warn(
      `${summary.spansUnsent} spans of trace ${lease.trace_id} not uploaded: ${summary.failure ?? 'unknown failure'}`,
    );
  }
}

/**
 * What the verdict tells of the run beyond its status, reward and error, as a `hud eval` upload reports it:
 * `evaluation_result` and `stop_reason` from the run's `/exit` report (keys without a value left out), and
 * the agent's `model`.
 */
export function runReport(
  record: RunRecord,
  agent: Pick<Agent, 'model'>,
): Pick<Completion, 'evaluation_result' | 'stop_reason' | 'model'> {
  const { evaluation_result, stop_reason } = traceExitReport(record).body;
  return {
    ...(typeof evaluation_result === 'object' && evaluation_result !== null
      ? { evaluation_result: evaluation_result as Record<string, unknown> }
      : {}),
    ...(typeof stop_reason === 'string' ? { stop_reason } : {}),
    ...(agent.model ? { model: agent.model } : {}),
  };
}

const stopOf = (signal: AbortSignal): LeaseStop | undefined =>
  signal.aborted && signal.reason instanceof LeaseStop ? signal.reason : undefined;

/** The outcome of a lease stopped by the heartbeat or the worker, before or after its rollout. */
function stoppedOutcome(stop: LeaseStop): LeaseOutcome | undefined {
  if (stop.kind === 'lost') return { kind: 'drop', reason: 'the lease was lost' };
  if (stop.kind === 'shutdown') {
    return {
      kind: 'complete',
      completion: { status: 'error', error: 'the worker shut down', retry: true },
    };
  }
  return undefined;
}

/**
 * Runs the lease's rollout and decides its outcome. Never throws:
 * - a verdict → `complete` with the run's status, reward and error, and its grade, stop reason and the
 *   agent's model ({@link runReport}) (spans uploaded first, while the lease's key is still valid);
 * - the substrate failed to start (provisioning) → `complete` with `retry: true`; a missing image (never
 *   deployed, or not pullable) → `complete` with status `error` and that reason (not retried);
 * - heartbeat `cancelled` → the rollout is aborted (`tasks.cancel`, teardown) and completes `cancelled`;
 * - heartbeat `lost` → aborted and dropped; worker shutdown → aborted and given back (`retry: true`).
 */
export async function runLease(options: RunLeaseOptions): Promise<LeaseOutcome> {
  const { lease, substrate, signal } = options;
  const error = (text: string): LeaseOutcome => ({
    kind: 'complete',
    completion: { status: 'error', reward: null, error: text },
  });
  let row: TaskRow;
  let agent: Agent;
  let maxSteps: number;
  try {
    row = leaseRow(lease);
    ({ agent, maxSteps } = await leaseAgent(lease, options.urls, options.logger));
  } catch (thrown) {
    return error(AgentError.isInstance(thrown) ? thrown.message : message(thrown));
  }
  let leaseSubstrate: Awaited<ReturnType<Substrate['forLease']>>;
  try {
    leaseSubstrate = await substrate.forLease(lease, row);
  } catch (thrown) {
    if (thrown instanceof SubstrateRefusal) {
      return thrown.retry
        ? { kind: 'complete', completion: { status: 'error', error: thrown.message, retry: true } }
        : error(thrown.message);
    }
    return {
      kind: 'complete',
      completion: { status: 'error', error: message(thrown), retry: true },
    };
  }
  // The provisioning failure itself (the rollout records only its text): a missing image is final.
  let provisioning: unknown;
  const provider: Provider = async (task, provideOptions) => {
    try {
      return await leaseSubstrate.provider(task, provideOptions);
    } catch (thrown) {
      provisioning ??= thrown;
      throw thrown;
    }
  };
  const background = new Set<Promise<unknown>>();
  const lines: LeaseLines = {
    logs: [],
    events: [
      {
        time: new Date().toISOString(),
        source: 'worker',
        phase: 'claimed',
        level: 'info',
        message: `lease ${lease.lease_id} claimed`,
      },
    ],
  };
  try {
    const { record, trace } = await rollout(
      {
        task: row,
        jobId: lease.job_id,
        groupId: lease.rollout.group_id ?? lease.trace_id,
        groupIndex: 0,
        traceId: lease.trace_id,
      },
      {
        agent,
        provider,
        maxSteps,
        agentTimeoutMs: undefined,
        rolloutTimeoutMs: undefined,
        readyTimeoutMs: options.readyTimeoutMs,
        teardownTimeoutMs: TEARDOWN_MS,
        signal,
        logger: options.logger,
        background: (work) => {
          background.add(work);
          void work.finally(() => background.delete(work)).catch(() => {});
        },
      },
      {
        onPhase: (phase) => lines.events.push(phaseEvent(phase)),
        onLogs: (output) => lines.logs.push(...storedLogLines(output)),
      },
    );
    lines.events.push(endEvent(record));
    const stop = stopOf(signal);
    const stopped = stop && stoppedOutcome(stop);
    if (stopped) return stopped;
    if (provisioning !== undefined && record.grade === null && !stop) {
      const text = record.error ?? `[provisioning] ${message(provisioning)}`;
      if (substrate.isMissingImage(provisioning)) return error(text);
      return { kind: 'complete', completion: { status: 'error', error: text, retry: true } };
    }
    await uploadSpans(trace, options, lines);
    return {
      kind: 'complete',
      completion: {
        status: stop?.kind === 'cancelled' ? 'cancelled' : record.status,
        reward: record.reward,
        error: record.error,
        ...runReport(record, agent),
      },
      record,
    };
  } finally {
    await settleWithin(Promise.allSettled([...background]), TEARDOWN_MS);
    await leaseSubstrate.close();
  }
}
