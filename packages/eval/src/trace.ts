import {
  isoTimestamp,
  type RunStatus,
  type StepInput,
  type StopReason,
  type TraceStep,
} from '@hud/protocol';

/** Options of {@link Trace}. */
export interface TraceOptions {
  /** The run's trace id (`uuid4().hex`). */
  traceId: string;
  /** Called with every recorded step, in order (the job store writes them to `traces/<id>.jsonl`). */
  onStep?: (step: TraceStep) => void;
}

/**
 * The replayable record of one run in hud-python's trajectory model (spec §8.1, `hud.step.v1` steps): the
 * ordered steps, how the run ended (`status`, `stop_reason`) and the graded answer (`content`). Keys are the
 * wire's own (snake_case) so a trace serialises as hud-python's does.
 */
export class Trace {
  readonly trace_id: string;
  readonly steps: TraceStep[] = [];
  status: RunStatus | null = null;
  stop_reason: StopReason | null = null;
  /** The answer that was graded (the agent's final text). */
  content: string | null = null;
  readonly #onStep: ((step: TraceStep) => void) | undefined;
  #closed = false;

  constructor(options: TraceOptions) {
    this.trace_id = options.traceId;
    this.#onStep = options.onStep;
  }

  /**
   * Records a step (hud-python `Trace.record`): assigns `step_id` (1-based), fills `ended_at` (ISO-8601 UTC)
   * when absent, appends it and passes it to `onStep`. Returns the recorded step, or undefined once the
   * trace is closed (an agent still running after its run ended cannot add steps).
   */
  record(input: StepInput): TraceStep | undefined {
    if (this.#closed) return undefined;
    // An agent or tool step without a start began when the step before it ended (the model's turn, the
    // tool's run): its span then shows that latency (the viewer's per-step latency).
    const previousEnd = this.steps.at(-1)?.ended_at;
    const started =
      input.started_at === undefined &&
      previousEnd !== undefined &&
      (input.source === 'agent' || input.source === 'tool')
        ? { started_at: previousEnd }
        : {};
    const step: TraceStep = {
      ...input,
      ...started,
      step_id: this.steps.length + 1,
      ended_at: input.ended_at ?? isoTimestamp(),
    };
    this.steps.push(step);
    this.#onStep?.(step);
    return step;
  }

  /** Whether the trace takes no more steps. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops accepting steps. */
  close(): void {
    this.#closed = true;
  }

  /** The newest step error, if any (hud-python `Trace.error`). */
  get error(): string | null {
    for (let index = this.steps.length - 1; index >= 0; index--) {
      const error = this.steps[index]?.error;
      if (error) return error;
    }
    return null;
  }

  /** `{trace_id, status, stop_reason, content, steps}`. */
  toJSON(): {
    trace_id: string;
    status: RunStatus | null;
    stop_reason: StopReason | null;
    content: string | null;
    steps: TraceStep[];
  } {
    const { trace_id, status, stop_reason, content, steps } = this;
    return { trace_id, status, stop_reason, content, steps };
  }
}
