import { once } from 'node:events';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { exportRl, type JobMeta, JobStore, type RunRecord } from '@hud/eval';
import { DEFAULT_STORE } from '../defaults.js';
import { loadHarborResults } from '../optional-package.js';

/** The formats of `hud jobs export` and `hud trace --format`. */
export const EXPORT_FORMATS = ['rl', 'atif'] as const;

/** The flags of `hud jobs export` as commander parses them. */
export interface JobsExportFlags {
  format?: string;
  store?: string;
  /** Write here instead of stdout. */
  out?: string;
  /** Divide advantages by the group std (+ epsilon). */
  normalizeStd?: boolean;
  /** `--epsilon` as typed. */
  epsilon?: string;
}

/**
 * The one job of `store` whose id starts with `prefix`.
 * @throws Error naming the prefix and the store when none or several match.
 */
export async function findLocalJob(store: JobStore, prefix: string): Promise<JobMeta> {
  const matches = (await store.listJobs()).filter((job) => job.id.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(
      matches.length === 0
        ? `no job '${prefix}' in ${store.root}`
        : `'${prefix}' matches ${matches.length} jobs: give more of the id`,
    );
  }
  return matches[0] as JobMeta;
}

/** `--format` checked. @throws Error naming the flag and the formats. */
export function parseFormat(raw: string | undefined, formats: readonly string[]): string {
  if (raw === undefined || !formats.includes(raw)) {
    throw new Error(`--format must be one of ${formats.join(', ')}, got '${raw ?? ''}'`);
  }
  return raw;
}

function parseEpsilon(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new Error(`--epsilon must be a number ≥ 0, got '${raw}'`);
  }
  return value;
}

/** Writes `line` to `out`, waiting when its buffer is full. */
async function writeLine(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/**
 * An ATIF trajectory of one run of a local job (`@hud/harbor/results`' writer, which must be installed):
 * the agent's name and model come from the job's `job.json`.
 * @throws MissingPackageError without `@hud/harbor`; HudEvalError from the store.
 */
export async function atifOfRun(
  store: JobStore,
  meta: JobMeta,
  record: RunRecord,
  command: string,
): Promise<unknown> {
  const { toAtif } = await loadHarborResults(command);
  const steps = await store.readTrace(record.trace_id, { jobId: meta.id }).catch(() => []);
  return toAtif({
    record,
    steps,
    agentName: meta.agent.name,
    ...(meta.agent.model ? { modelName: meta.agent.model } : {}),
  });
}

/**
 * `hud jobs export <job-id> --format rl|atif` over the local store: JSONL, one line per run (its verdict,
 * else its latest attempt). `rl`: `RlExportLine`s (prompt/completion messages, reward, group advantage,
 * token samples when captured); `atif`: one ATIF v1.7 trajectory per line. To `--out <file>` or stdout.
 * @throws Error for a bad flag or an unknown job; MissingPackageError for `atif` without `@hud/harbor`.
 */
export async function jobsExportAction(jobId: string, flags: JobsExportFlags): Promise<void> {
  const format = parseFormat(flags.format, EXPORT_FORMATS);
  const epsilon = parseEpsilon(flags.epsilon);
  const store = new JobStore(path.resolve(flags.store ?? DEFAULT_STORE));
  const meta = await findLocalJob(store, jobId);
  const file = flags.out
    ? (
        await open(path.resolve(flags.out), 'w').catch((error: Error) => {
          throw new Error(`--out ${flags.out}: cannot write there (${error.message})`, {
            cause: error,
          });
        })
      ).createWriteStream()
    : undefined;
  const out: Writable = file ?? process.stdout;
  let lines = 0;
  try {
    if (format === 'rl') {
      const options = {
        ...(flags.normalizeStd ? { normalizeStd: true } : {}),
        ...(epsilon !== undefined ? { epsilon } : {}),
      };
      for await (const line of exportRl(store, meta.id, options)) {
        await writeLine(out, JSON.stringify(line));
        lines++;
      }
    } else {
      const job = await store.loadJob(meta.id);
      for (const record of job.runs) {
        const trajectory = await atifOfRun(store, meta, record, 'hud jobs export --format atif');
        await writeLine(out, JSON.stringify(trajectory));
        lines++;
      }
    }
  } finally {
    if (file) {
      file.end();
      await once(file, 'close');
    }
  }
  if (flags.out) {
    console.error(`wrote ${lines} line${lines === 1 ? '' : 's'} (${format}) to ${flags.out}`);
  }
}
