import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type JobStore, type RunRecord, slotOutcomes } from '@hud/eval';
import { QaError } from './errors.js';
import type { QaSubject } from './subject.js';

/** A subject of the local store with the job that holds it. */
export interface LocalSubject {
  jobId: string;
  subject: QaSubject;
}

const ENV_FILES = ['env.ts', 'env.mts', 'env.js', 'env.mjs', 'env.py'];

/**
 * The grader's source for a job run from `source` (its tasks file or directory): the environment file next
 * to it (`env.ts`, …), else the tasks file itself; undefined when neither can be read (a moved checkout).
 */
export async function graderSourceOf(source: string | null): Promise<string | undefined> {
  if (!source || !existsSync(source)) return undefined;
  const directory = statSync(source).isDirectory() ? source : path.dirname(source);
  const candidates = [...ENV_FILES.map((name) => path.join(directory, name)), source];
  for (const file of candidates) {
    if (existsSync(file) && statSync(file).isFile()) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) return `// ${path.basename(file)}\n${text}`;
    }
  }
  return undefined;
}

function subjectOf(
  run: RunRecord,
  steps: QaSubject['steps'],
  graderSource: string | undefined,
): QaSubject {
  return {
    traceId: run.trace_id,
    jobId: run.job_id,
    slug: run.slug,
    prompt: run.prompt,
    answer: run.answer,
    grade: run.grade,
    reward: run.reward,
    status: run.status,
    error: run.error,
    steps,
    graderSource,
  };
}

async function jobSubjects(
  store: JobStore,
  jobId: string,
  runs: readonly RunRecord[],
): Promise<LocalSubject[]> {
  const meta = await store.openJob(jobId);
  const graderSource = await graderSourceOf(meta.source);
  return Promise.all(
    runs.map(async (run) => ({
      jobId,
      subject: subjectOf(
        run,
        await store.readTrace(run.trace_id, { jobId }).catch(() => []),
        graderSource,
      ),
    })),
  );
}

/**
 * The traces `ids` name in the local store: a job id expands to one trace per slot (its verdict run, else
 * its latest attempt), a trace id is that trace. Duplicates are dropped.
 * @throws QaError `not_found` naming an id that is neither a job nor a trace of `store`.
 */
export async function localSubjects(
  store: JobStore,
  ids: readonly string[],
): Promise<LocalSubject[]> {
  const found: LocalSubject[] = [];
  let allRuns: Map<string, RunRecord[]> | undefined;
  for (const id of ids) {
    if (/^[0-9a-zA-Z_-]+$/.test(id) && (await store.has(id))) {
      found.push(...(await jobSubjects(store, id, slotOutcomes(await store.readRuns(id)))));
      continue;
    }
    allRuns ??= new Map(
      await Promise.all(
        (await store.listJobs()).map(
          async (job) => [job.id, await store.readRuns(job.id).catch(() => [])] as const,
        ),
      ),
    );
    const holder = [...allRuns].find(([, runs]) => runs.some((run) => run.trace_id === id));
    if (!holder) throw new QaError('not_found', `no job or trace '${id}' in ${store.root}`);
    const run = holder[1].filter((entry) => entry.trace_id === id).at(-1) as RunRecord;
    found.push(...(await jobSubjects(store, holder[0], [run])));
  }
  const seen = new Set<string>();
  return found.filter(
    (entry) => !seen.has(entry.subject.traceId) && seen.add(entry.subject.traceId),
  );
}
