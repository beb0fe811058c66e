import type { RuntimeLogLine } from '@hud/protocol';
import type { RunEvents } from './event-log.js';
import type { FileTrackingOptions } from './filetracking/observer.js';
import type { RolloutPhase, RunRecord } from './run-record.js';
import type {
  JobWriter,
  StoreDebugEvent,
  StoreLogLine,
  TraceSideKind,
  TraceWriter,
} from './store-writer.js';
import type { HudSpan } from './upload/span.js';

/** The viewer's DEBUG phase of each rollout phase. */
const DEBUG_PHASE: Record<RolloutPhase, string> = {
  provisioning: 'acquire',
  'starting task': 'setup',
  'agent loop': 'agent',
  grading: 'grade',
  verifying: 'verify',
  cleanup: 'teardown',
};

/** What each rollout phase's event says. */
const PHASE_MESSAGE: Record<RolloutPhase, string> = {
  provisioning: 'acquiring a runtime for the task',
  'starting task': 'runtime ready: connecting and starting the task',
  'agent loop': 'the agent is working',
  grading: 'grading the answer',
  verifying: 'running the verifier',
  cleanup: 'releasing the runtime',
};

/**
 * Secret-looking tokens replaced in stored output: bearer tokens, `api_key=`/`token=` values, and keys
 * with well-known prefixes (HUD `hud_`, OpenAI/Anthropic `sk-`, GitHub `ghp_`/`github_pat_`, AWS `AKIA`).
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /(\b(?:api[_-]?key|token|secret|password)\s*[=:]\s*)["']?[^\s"']{6,}/gi,
  /()\b(?:hud_|sk-|ghp_|github_pat_|xox[abp]-)[A-Za-z0-9_-]{16,}/g,
  /()\bAKIA[0-9A-Z]{16}\b/g,
];

/** `line` with secret-looking tokens replaced by `[redacted]` (see {@link SECRET_PATTERNS}). */
export function redactLine(line: string): string {
  let text = line;
  for (const pattern of SECRET_PATTERNS) text = text.replace(pattern, '$1[redacted]');
  return text;
}

/** The DEBUG event of entering rollout phase `phase` (source `runtime`, now). */
export function phaseEvent(phase: RolloutPhase): StoreDebugEvent {
  return {
    time: new Date().toISOString(),
    source: 'runtime',
    phase: DEBUG_PHASE[phase],
    level: 'info',
    message: PHASE_MESSAGE[phase],
  };
}

/** The DEBUG event of a run's end: `error` level for an errored run, with its status and timings. */
export function endEvent(record: RunRecord): StoreDebugEvent {
  return {
    time: record.ended_at,
    source: 'runtime',
    phase: 'end',
    level: record.status === 'error' ? 'error' : 'info',
    message:
      record.error ??
      `run ${record.status}${record.reward === null ? '' : ` with reward ${record.reward}`}`,
    data: { status: record.status, stop_reason: record.stop_reason, timings: record.timings },
  };
}

/** Output lines as stored and uploaded: secret-looking tokens redacted ({@link redactLine}). */
export function storedLogLines(lines: readonly RuntimeLogLine[]): StoreLogLine[] {
  return lines.map((line) => ({
    time: line.time,
    source: line.source,
    stream: line.stream,
    line: redactLine(line.line),
  }));
}

/**
 * Writes one run's side records to the job store while it runs: non-step spans (file tracking) and the
 * environment's output (redacted) in `traces/<id>.{spans,logs}.jsonl`, each file created on its first
 * record, and a DEBUG event per rollout phase plus one at the end in the job's event log (one file for
 * every run: no file is created per run for them). Write failures surface from {@link RunSideWriter.close}.
 */
export class RunSideWriter {
  readonly #writer: JobWriter;
  readonly #traceId: string;
  readonly #files = new Map<Exclude<TraceSideKind, 'events'>, TraceWriter>();
  #events: RunEvents | undefined;

  constructor(writer: JobWriter, traceId: string) {
    this.#writer = writer;
    this.#traceId = traceId;
  }

  #file(kind: Exclude<TraceSideKind, 'events'>): TraceWriter {
    let file = this.#files.get(kind);
    if (!file) {
      file = this.#writer.openTraceSide(this.#traceId, kind);
      this.#files.set(kind, file);
    }
    return file;
  }

  /** Records a span that is not a step (a `filetracking.*` span), as it would be uploaded. */
  span(span: HudSpan): void {
    this.#file('spans').write(span);
  }

  /** Records a DEBUG event. */
  event(event: StoreDebugEvent): void {
    this.#events ??= this.#writer.openRunEvents(this.#traceId);
    this.#events.write(event);
  }

  /** Records the start of a rollout phase as a `runtime` event. */
  phase(phase: RolloutPhase): void {
    this.event(phaseEvent(phase));
  }

  /** Records the environment's output lines (secret-looking tokens redacted). */
  logs(lines: readonly RuntimeLogLine[]): void {
    for (const line of storedLogLines(lines)) this.#file('logs').write(line);
  }

  /** Records how the run ended (an `error` event for an errored run) with its phase timings. */
  end(record: RunRecord): void {
    this.event(endEvent(record));
  }

  /** Writes the run's events and closes its files. @throws the first failure to write one. */
  async close(): Promise<void> {
    let failure: { reason: unknown } | undefined;
    try {
      this.#events?.close();
    } catch (reason) {
      failure = { reason };
    }
    if (this.#files.size > 0) {
      const results = await Promise.allSettled(
        [...this.#files.values()].map((file) => file.close()),
      );
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) failure ??= { reason: (failed as PromiseRejectedResult).reason };
    }
    if (failure) throw failure.reason;
  }
}

/**
 * The file tracking of a job run with a store: every span also goes to its run's `spans` side file, then
 * to `options.onSpan` when the caller asked for them (an upload). Without a store it is `options` as given;
 * with one and no `options`, file tracking runs with the defaults so the store keeps the diffs a viewer
 * shows.
 */
export function storedFileTracking(
  options: FileTrackingOptions | undefined,
  writer: JobWriter | undefined,
  sides: ReadonlyMap<string, RunSideWriter>,
): FileTrackingOptions | undefined {
  if (!writer) return options;
  return {
    ...options,
    onSpan: (traceId, span) => {
      sides.get(traceId)?.span(span);
      options?.onSpan(traceId, span);
    },
  };
}
