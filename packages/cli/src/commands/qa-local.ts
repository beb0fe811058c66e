import path from 'node:path';
import { JobStore } from '@hud/eval';
import { allPassed, type QaResult } from '@hud/protocol';
import { QaError } from '../qa/errors.js';
import { judgeTrace } from '../qa/judge.js';
import { createJudgeModel } from '../qa/judge-models.js';
import { readLocalResults, recordLocalResult } from '../qa/local-results.js';
import { localSubjects } from '../qa/local-subjects.js';
import { renderResults } from '../qa/render.js';
import { resolveWorkflow } from '../qa/workflow-file.js';
import { loadSettings } from '../settings.js';

/** Flags of `hud qa run` and `hud qa results`. */
export interface QaRunFlags {
  agent?: string;
  model?: string;
  store?: string;
  local?: boolean;
  overwrite?: boolean;
  json?: boolean;
  wait?: boolean;
  timeout?: string;
}

/**
 * Prints `results` (one JSON line `{results}` with `--json`, else the table); with `gate`, sets exit code 1
 * unless every verdict passed (`hud qa run`, spec §9.8).
 */
export function printResults(results: readonly QaResult[], json: boolean, gate = false): void {
  if (json) console.log(JSON.stringify({ results }));
  else console.log(renderResults(results, process.stdout.isTTY === true));
  if (gate && (!allPassed(results) || results.length === 0)) process.exitCode = 1;
}

/**
 * `hud qa run <workflow> <job-id|trace-id…>` over the local job store: each trace (a job expands to its
 * traces) is reviewed by the judge unless it already has a result of this workflow (`--overwrite` reviews
 * again); verdicts are appended to the job's `qa.jsonl`. Exit 1 unless every verdict passed.
 * @throws QaError for an unknown workflow, id or judge; MissingPackageError without the SDK.
 */
export async function qaRunLocal(
  workflowName: string,
  ids: string[],
  flags: QaRunFlags,
): Promise<void> {
  const workflow = await resolveWorkflow(workflowName);
  const store = new JobStore(path.resolve(flags.store ?? '.hud/jobs'));
  const subjects = await localSubjects(store, ids);
  if (subjects.length === 0)
    throw new QaError('not_found', `no traces to review in ${ids.join(', ')}`);
  const settings = loadSettings();
  const model = await createJudgeModel({
    agent: flags.agent ?? 'claude',
    model: flags.model,
    settings,
  });
  const results: QaResult[] = [];
  const existing = new Map<string, QaResult[]>();
  for (const { jobId, subject } of subjects) {
    if (!flags.overwrite) {
      if (!existing.has(jobId)) existing.set(jobId, await readLocalResults(store, jobId));
      const done = existing
        .get(jobId)
        ?.find(
          (result) => result.qa_agent_id === workflow.id && result.subject_id === subject.traceId,
        );
      if (done) {
        results.push(done);
        continue;
      }
    }
    process.stderr.write(
      `reviewing ${subject.traceId} (${subject.slug ?? 'task'}) with ${workflow.id}…\n`,
    );
    const outcome = await judgeTrace({
      workflow,
      subject,
      model,
      onRetry: (note) => process.stderr.write(`[hud warn] ${note}\n`),
    });
    results.push(
      await recordLocalResult(store, {
        jobId,
        traceId: subject.traceId,
        workflowId: workflow.id,
        model: outcome.model,
        verdict: outcome.verdict,
      }),
    );
  }
  printResults(results, Boolean(flags.json), true);
}

/**
 * `hud qa results <job|trace> <id…>` over the local job store: the latest result per workflow and trace.
 * @throws QaError `invalid_argument` for another type, `not_found` for an unknown id.
 */
export async function qaResultsLocal(
  type: string,
  ids: string[],
  flags: QaRunFlags,
): Promise<void> {
  const store = new JobStore(path.resolve(flags.store ?? '.hud/jobs'));
  const results: QaResult[] = [];
  for (const id of ids) {
    if (type === 'job') {
      await store.openJob(id);
      results.push(...(await readLocalResults(store, id)));
    } else if (type === 'trace') {
      const [entry] = await localSubjects(store, [id]);
      const all = entry ? await readLocalResults(store, entry.jobId) : [];
      results.push(...all.filter((result) => result.subject_id === id));
    } else {
      throw new QaError('invalid_argument', `TYPE must be job or trace, got '${type}'`);
    }
  }
  printResults(results, Boolean(flags.json));
}
