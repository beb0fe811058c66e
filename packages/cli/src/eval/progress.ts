import type { JobEvent, JobProgress } from '@hud/eval';
import { SingleBar } from 'cli-progress';

/** Where the live display writes (stderr, so stdout stays clean for `--json`). */
export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  /** Step-by-step lines (single task, or `-v`). */
  detailed: boolean;
}

function etaSeconds(progress: JobProgress): string {
  if (progress.done === 0) return '…';
  const left = ((progress.total - progress.done) * progress.elapsedMs) / progress.done / 1000;
  return `${Math.ceil(left)}s`;
}

/**
 * The live display of a job: a progress bar (cli-progress) with done/total, running, errors, mean reward and
 * ETA for batches on a terminal; one line per phase and per finished run when detailed or not a terminal.
 */
export class JobDisplay {
  readonly #options: ProgressOptions;
  #bar: SingleBar | undefined;

  constructor(options: ProgressOptions) {
    this.#options = options;
  }

  readonly onEvent = (event: JobEvent): void => {
    const { progress } = event;
    const tokens = {
      running: progress.running,
      errors: progress.errors,
      reward: progress.reward === null ? '—' : progress.reward.toFixed(3),
      etaText: etaSeconds(progress),
    };
    if (event.type === 'job-start' && !this.#options.detailed && this.#options.stream.isTTY) {
      this.#bar = new SingleBar({
        stream: this.#options.stream,
        format:
          ' {bar} {value}/{total} | running {running} | errors {errors} | reward {reward} | ETA {etaText}',
        hideCursor: true,
        clearOnComplete: false,
      });
      this.#bar.start(progress.total, 0, tokens);
      return;
    }
    this.#bar?.update(progress.done, tokens);
    if (!this.#options.detailed && this.#bar) return;
    const write = (line: string) => this.#options.stream.write(`${line}\n`);
    if (event.type === 'phase' && this.#options.detailed)
      write(`  ${event.run.slug} · ${event.phase}`);
    if (event.type === 'run-end') {
      const run = event.run;
      const outcome =
        run.reward !== null ? `reward ${run.reward}` : `no verdict: ${run.error ?? run.status}`;
      write(
        `${run.reward !== null ? '✓' : '✗'} ${run.slug} — ${outcome} (${Math.round(run.timings.total)} ms)`,
      );
    }
  };

  /** Stops the bar (call before printing the summary). */
  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
