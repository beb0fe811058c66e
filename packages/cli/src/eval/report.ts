import path from 'node:path';
import type { Job } from '@hud/eval';
import { DEFAULT_STORE } from '../defaults.js';
import { shellWord } from './flag-values.js';
import { summaryJson, summaryLines } from './summary.js';

/** A stream the report writes to (`process.stdout`, `process.stderr`, or a test's buffer). */
export interface ReportStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * The `resume with: hud eval <source> <agent> --resume <id> [--store <dir>]` line (newline-terminated),
 * with the source and store quoted for a POSIX shell.
 */
export function resumeLine(
  plan: { source: string; agent: { name: string }; store: string },
  jobId: string,
): string {
  const storeFlag = plan.store === DEFAULT_STORE ? '' : ` --store ${shellWord(plan.store)}`;
  return `resume with: hud eval ${shellWord(plan.source)} ${plan.agent.name} --resume ${jobId}${storeFlag}\n`;
}

/**
 * Characters per write of a long report: small enough that each chunk is an ordinary young-generation string
 * (a 10,000-row table built as one string went to V8's large-object space, held until a full collection).
 */
const CHUNK_CHARS = 16_384;

/** Writes `lines` (newline-terminated each) to `stream` in chunks of about {@link CHUNK_CHARS}. */
function writeLines(stream: ReportStream, lines: Iterable<string>): void {
  let chunk = '';
  for (const line of lines) {
    chunk += `${line}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      stream.write(chunk);
      chunk = '';
    }
  }
  if (chunk) stream.write(chunk);
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * What `hud eval` prints around the live display (which is `JobDisplay`, on stderr): human lines on stdout
 * (on stderr with `--json`, whose one object is then the only stdout line), notes and warnings on stderr.
 */
export class EvalReport {
  readonly #stdout: ReportStream;
  readonly #stderr: ReportStream;
  readonly #json: boolean;

  constructor(options: { json: boolean; stdout?: ReportStream; stderr?: ReportStream }) {
    this.#json = options.json;
    this.#stdout = options.stdout ?? process.stdout;
    this.#stderr = options.stderr ?? process.stderr;
  }

  /** Where human lines go: stdout, or stderr with `--json`. */
  get #human(): ReportStream {
    return this.#json ? this.#stderr : this.#stdout;
  }

  /** A human line. */
  readonly say = (line: string): void => {
    this.#human.write(`${line}\n`);
  };

  /** `note: <line>` on stderr. */
  readonly note = (line: string): void => {
    this.#stderr.write(`note: ${line}\n`);
  };

  /** `warning: <line>` on stderr. */
  readonly warn = (line: string): void => {
    this.#stderr.write(`warning: ${line}\n`);
  };

  /**
   * The reaping line, when orphaned substrates of earlier jobs were removed; `substrate` names what they
   * are (`container` by default, `pod`, `sandbox`).
   */
  reaped(
    result: { readonly removed: readonly string[]; readonly jobs: readonly string[] },
    substrate = 'container',
  ): void {
    if (result.removed.length === 0) return;
    this.say(
      `reaped ${plural(result.removed.length, `orphaned ${substrate}`)} of earlier jobs whose hud process is gone (${result.jobs.join(', ')})`,
    );
  }

  /** `hud eval: 3 tasks × 2 with claude (claude-sonnet-4-5) on local (…/env.ts)`. */
  header(options: {
    tasks: number;
    group: number;
    agent: { name: string; model?: string | undefined };
    runtime: string;
  }): void {
    const { agent } = options;
    this.say(
      `hud eval: ${plural(options.tasks, 'task')} × ${options.group} with ${agent.name}${agent.model ? ` (${agent.model})` : ''} on ${options.runtime}`,
    );
  }

  /**
   * The end of a job: the summary table (the store directory relative to `cwd`), why it stopped early, a
   * note on model calls `--max-cost` could not price, the `--json` object, and the resume line when it was
   * interrupted.
   */
  finished(
    job: Job,
    options: {
      /** The job store's root, absolute. */
      storeRoot: string;
      cwd: string;
      /** `--max-cost` was given and this many model calls had no known price. */
      unpricedCalls?: number;
      /** The `resume with:` line of this job. */
      resumeLine: string;
    },
  ): void {
    const storeDir = path.join(options.storeRoot, job.id);
    const shown = path.relative(options.cwd, storeDir) || storeDir;
    const results = job.results();
    writeLines(
      this.#human,
      summaryLines(job, shown, { color: Boolean(this.#human.isTTY) }, results),
    );
    if (job.stopped) this.say(`stopped early: ${job.stopped}`);
    if (options.unpricedCalls) {
      this.note(
        `${plural(options.unpricedCalls, 'model call')} had no known price and did not count toward --max-cost (see hud models list)`,
      );
    }
    if (this.#json) {
      const summary = { ...summaryJson(job, storeDir, results), stopped: job.stopped };
      this.#stdout.write(`${JSON.stringify(summary)}\n`);
    }
    if (job.cancelled) this.#stderr.write(options.resumeLine);
  }
}
