import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunRecord } from '@hud/eval';
import type { JsonObject, TraceStep } from '@hud/protocol';
import { toAtif } from './atif.js';

/** A phase's wall-clock span, ISO 8601 UTC (Harbor `TimingInfo`). */
export interface HarborTimingInfo {
  started_at: string;
  finished_at: string;
}

/**
 * Harbor `ExceptionInfo`. Key names follow what Harbor v0.22 writes (`exception_message`,
 * `exception_traceback`, seen in real `result.json` files), not the shorter names of its docs.
 */
export interface HarborExceptionInfo {
  /** Harbor's exception class name, e.g. `RewardFileNotFoundError`, `AgentTimeoutError`. */
  exception_type: string;
  exception_message: string;
  /** Always `''`: hud-ts records no Python traceback. */
  exception_traceback: string;
  occurred_at: string;
}

/** One step of a multi-step trial: its name and reward (the subset of Harbor's step result hud-ts knows). */
export interface HarborStepResult {
  step_name: string;
  verifier_result: { rewards: Record<string, number> } | null;
}

/**
 * A trial's `result.json` (Harbor v0.22 `src/harbor/models/trial/result.py` `TrialResult`). Tokens are
 * counts; `cost_usd` in US dollars, null when unknown; timestamps ISO 8601 UTC.
 */
export interface HarborTrialResult {
  /** The trace id as a UUID. */
  id: string;
  task_name: string;
  /** `<task>__<7-char id>` (see {@link harborTrialName}). */
  trial_name: string;
  /** `file://` URL of the trial directory. */
  trial_uri: string;
  task_id: { path: string };
  source: string | null;
  /** hud-ts: sha256 (hex) of the task's `task.toml` text; null when unreadable. */
  task_checksum: string | null;
  config: object;
  agent_info: {
    name: string;
    version: string;
    model_info: { name: string; provider: string } | null;
  };
  agent_result: {
    n_input_tokens: number;
    n_cache_tokens: number;
    n_output_tokens: number;
    cost_usd: number | null;
    rollout_details: null;
    metadata: JsonObject;
  };
  /** The verifier's rewards (name → number); null when the run has no verdict. */
  verifier_result: { rewards: Record<string, number> } | null;
  exception_info: HarborExceptionInfo | null;
  started_at: string;
  finished_at: string;
  environment_setup: HarborTimingInfo | null;
  agent_setup: HarborTimingInfo | null;
  agent_execution: HarborTimingInfo | null;
  verifier: HarborTimingInfo | null;
  step_results: HarborStepResult[] | null;
}

/** The input of {@link toTrialResult}. */
export interface ToTrialResultInput {
  record: RunRecord;
  /** Harbor's task name (`[task].name`, e.g. `org/name`, else the directory name). */
  taskName: string;
  /** The task directory (`task_id.path`; its `task.toml` is hashed for `task_checksum`). */
  taskDir: string;
  trialName: string;
  trialUri: string;
  agentName: string;
  /** Default `unknown`. */
  agentVersion?: string;
  /** `provider/model` or a bare model name. */
  modelName?: string | null;
  /** Harbor's `TrialConfig`; default a minimal one naming the task, trial, agent and job. */
  config?: object;
}

/**
 * Harbor's trial directory name for a run: `<task>__<first 7 characters of the trace id without dashes>`
 * (Harbor v0.22 `jobs/<job>/<task>__<7-char id>/`), `<task>` being the task directory's name — the slug's
 * last `/` segment, so a nested dataset's `<dataset>/<task>` stays one directory.
 */
export function harborTrialName(slug: string, traceId: string): string {
  return `${slug.split('/').at(-1)}__${traceId.replaceAll('-', '').slice(0, 7)}`;
}

/**
 * Builds Harbor's `TrialResult` for a run. Rewards come from `grade.info.rewards` (the verifier's
 * `reward.json`/`reward.txt`), else `{reward: record.reward}` when the run has a verdict. Phase spans come
 * from `grade.info.timing` when the environment reported them, else from `record.timings` laid end to end
 * from `started_at`. `exception_info` maps `record.error` (`[phase] message`) to Harbor's exception types.
 * Reads `<taskDir>/task.toml` synchronously for the checksum; never throws.
 * Source: Harbor v0.22 `src/harbor/models/trial/result.py`.
 */
export function toTrialResult(input: ToTrialResultInput): HarborTrialResult {
  const { record } = input;
  const info = (record.grade?.info ?? {}) as JsonObject;
  const modelName = input.modelName ?? null;
  const spans = phaseSpans(record, info.timing);
  return {
    id: asUuid(record.trace_id),
    task_name: input.taskName,
    trial_name: input.trialName,
    trial_uri: input.trialUri,
    task_id: { path: input.taskDir },
    source: null,
    task_checksum: taskChecksum(input.taskDir),
    config: input.config ?? {
      task: { path: input.taskDir },
      trial_name: input.trialName,
      agent: { name: input.agentName, model_name: modelName },
      job_id: record.job_id,
    },
    agent_info: {
      name: input.agentName,
      version: input.agentVersion ?? 'unknown',
      model_info: modelName ? modelInfo(modelName) : null,
    },
    agent_result: {
      n_input_tokens: record.usage.prompt_tokens,
      n_cache_tokens: record.usage.cached_tokens,
      n_output_tokens: record.usage.completion_tokens,
      cost_usd: record.usage.cost_usd,
      rollout_details: null,
      metadata: {
        hud_trace_id: record.trace_id,
        llm_call_count: record.usage.llm_call_count,
        stop_reason: record.stop_reason,
        status: record.status,
      },
    },
    verifier_result: verifierResult(record, info.rewards),
    exception_info: exceptionInfo(record),
    started_at: record.started_at,
    finished_at: record.ended_at,
    ...spans,
    step_results: stepResults(info.steps),
  };
}

/** The options of {@link writeHarborTrial}. */
export interface WriteHarborTrialOptions {
  /** The trial directory, conventionally `<jobs>/<job>/<harborTrialName(...)>`; created if missing. */
  dir: string;
  record: RunRecord;
  steps: readonly TraceStep[];
  taskName: string;
  taskDir: string;
  agentName: string;
  agentVersion?: string;
  modelName?: string | null;
}

/**
 * Writes a run as a Harbor trial directory: `result.json` ({@link toTrialResult}; the trial name is the
 * directory's name), `agent/trajectory.json` (ATIF v1.7), `verifier/reward.json` (the rewards, when any),
 * `verifier/test-stdout.txt` (`grade.info.verifier_stdout`, when present) and `exception.txt` (on error).
 * JSON is indented by 2 spaces. Source: Harbor v0.22 trial layout (`jobs/<job>/<trial>/`).
 * @throws the file system's errors (e.g. `EACCES`) when a directory or file cannot be written.
 * @example
 * const dir = join('jobs', jobName, harborTrialName(record.slug, record.trace_id));
 * await writeHarborTrial({ dir, record, steps, taskName: 'org/hello', taskDir, agentName: 'oracle' });
 */
export async function writeHarborTrial(
  options: WriteHarborTrialOptions,
): Promise<{ resultPath: string; trajectoryPath: string }> {
  const { dir, record, steps } = options;
  const result = toTrialResult({
    ...options,
    trialName: basename(resolve(dir)),
    trialUri: pathToFileURL(resolve(dir)).href,
  });
  const trajectory = toAtif({ ...options, steps });
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  await mkdir(join(dir, 'agent'), { recursive: true });
  const resultPath = join(dir, 'result.json');
  const trajectoryPath = join(dir, 'agent', 'trajectory.json');
  await writeFile(resultPath, json(result));
  await writeFile(trajectoryPath, json(trajectory));

  const stdout = record.grade?.info?.verifier_stdout;
  if (result.verifier_result || typeof stdout === 'string') {
    await mkdir(join(dir, 'verifier'), { recursive: true });
  }
  if (result.verifier_result) {
    await writeFile(join(dir, 'verifier', 'reward.json'), json(result.verifier_result.rewards));
  }
  if (typeof stdout === 'string') await writeFile(join(dir, 'verifier', 'test-stdout.txt'), stdout);
  if (result.exception_info) {
    const { exception_type, exception_message } = result.exception_info;
    await writeFile(join(dir, 'exception.txt'), `${exception_type}: ${exception_message}\n`);
  }
  return { resultPath, trajectoryPath };
}

function asUuid(traceId: string): string {
  // hud trace ids are uuid4().hex; Harbor's TrialResult.id is a dashed UUID.
  const hex = /^[0-9a-f]{32}$/i.test(traceId) ? traceId : null;
  if (!hex) return traceId;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function taskChecksum(taskDir: string): string | null {
  try {
    return createHash('sha256')
      .update(readFileSync(join(taskDir, 'task.toml'), 'utf8'))
      .digest('hex');
  } catch {
    return null; // no task.toml on this machine (a record read back elsewhere): Harbor allows null
  }
}

function modelInfo(modelName: string): { name: string; provider: string } {
  // Harbor (LiteLLM) names models `provider/model`; a bare name has no provider to report.
  const slash = modelName.indexOf('/');
  return slash > 0
    ? { name: modelName.slice(slash + 1), provider: modelName.slice(0, slash) }
    : { name: modelName, provider: 'unknown' };
}

function numberMap(value: unknown): Record<string, number> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

function verifierResult(record: RunRecord, rewards: unknown): HarborTrialResult['verifier_result'] {
  const reported = numberMap(rewards);
  if (reported) return { rewards: reported };
  return record.reward !== null ? { rewards: { reward: record.reward } } : null;
}

/** Harbor's exception type for a run's first failure, from its `[phase]` prefix and wording. */
function exceptionType(record: RunRecord, phase: string | undefined, text: string): string {
  if (record.status === 'cancelled') return 'CancelledError'; // `harbor job resume` re-runs these
  const timedOut = /timed out|time limit/.test(text);
  if (phase === 'grading' || phase === 'verifying') {
    if (text.includes('no reward file')) return 'RewardFileNotFoundError';
    if (timedOut) return 'VerifierTimeoutError';
    if (text.includes('empty')) return 'RewardFileEmptyError';
    return 'RuntimeError';
  }
  if (timedOut) return 'AgentTimeoutError';
  if (phase === 'provisioning') return 'EnvironmentStartError';
  if (phase === 'agent loop') return 'AgentError';
  return 'RuntimeError';
}

function exceptionInfo(record: RunRecord): HarborExceptionInfo | null {
  const gradeError = record.grade?.isError ? (record.grade.content ?? '') : null;
  const message = record.error ?? (gradeError === null ? null : `[grading] ${gradeError}`);
  if (message === null) return null;
  const phase = /^\[([^\]]+)\]/.exec(message)?.[1];
  const text = `${message}\n${gradeError ?? ''}`.toLowerCase();
  return {
    exception_type: exceptionType(record, phase, text),
    exception_message: message,
    exception_traceback: '',
    occurred_at: record.ended_at,
  };
}

function reportedSpan(timing: unknown, phase: string): HarborTimingInfo | undefined {
  const span = (timing as Record<string, unknown> | null | undefined)?.[phase] as
    | Record<string, unknown>
    | undefined;
  if (typeof span?.started_at === 'string' && typeof span.finished_at === 'string') {
    return { started_at: span.started_at, finished_at: span.finished_at };
  }
  return undefined;
}

type PhaseSpans = Pick<
  HarborTrialResult,
  'environment_setup' | 'agent_setup' | 'agent_execution' | 'verifier'
>;

function phaseSpans(record: RunRecord, timing: unknown): PhaseSpans {
  // Without the environment's timestamps, lay hud's phase durations (ms) end to end from the start:
  // provisioning + starting task ≈ environment setup; hud agents have no separate setup phase.
  const { provisioning, starting, agent, grading } = record.timings;
  const start = Date.parse(record.started_at);
  const span = (from: number, ms: number): HarborTimingInfo | null =>
    ms > 0 && Number.isFinite(from)
      ? {
          started_at: new Date(from).toISOString(),
          finished_at: new Date(from + ms).toISOString(),
        }
      : null;
  const setupMs = provisioning + starting;
  return {
    environment_setup: reportedSpan(timing, 'environment_setup') ?? span(start, setupMs),
    agent_setup: reportedSpan(timing, 'agent_setup') ?? null,
    agent_execution: reportedSpan(timing, 'agent_execution') ?? span(start + setupMs, agent),
    verifier: reportedSpan(timing, 'verifier') ?? span(start + setupMs + agent, grading),
  };
}

function stepResults(steps: unknown): HarborStepResult[] | null {
  if (!Array.isArray(steps)) return null;
  return steps.map((step: { name?: unknown; reward?: unknown } | null) => ({
    step_name: typeof step?.name === 'string' ? step.name : '',
    verifier_result: typeof step?.reward === 'number' ? { rewards: { reward: step.reward } } : null,
  }));
}
