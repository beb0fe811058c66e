import { randomUUID } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type JobStore, parseJsonl } from '@hud/eval';
import { QaResult, type QaVerdict } from '@hud/protocol';

/** The file of job `jobId`'s QA results in `store`: `<store>/<job>/qa.jsonl`, one {@link QaResult} a line. */
export function qaFile(store: JobStore, jobId: string): string {
  return path.join(store.jobDirectory(jobId), 'qa.jsonl');
}

/**
 * Appends a completed result for `traceId` of job `jobId` to the job's `qa.jsonl` (a later line for the
 * same workflow and trace supersedes an earlier one).
 */
export async function recordLocalResult(
  store: JobStore,
  entry: { jobId: string; traceId: string; workflowId: string; model: string; verdict: QaVerdict },
): Promise<QaResult> {
  const now = new Date().toISOString();
  const result: QaResult = {
    id: randomUUID().replaceAll('-', ''),
    qa_agent_id: entry.workflowId,
    subject_type: 'trace',
    subject_id: entry.traceId,
    job_id: entry.jobId,
    status: 'completed',
    ...entry.verdict,
    model: entry.model,
    created_at: now,
    updated_at: now,
  };
  await appendFile(qaFile(store, entry.jobId), `${JSON.stringify(result)}\n`);
  return result;
}

/**
 * The latest result per (workflow, trace) of job `jobId`, in the order first recorded; empty when the job
 * has no `qa.jsonl`. Lines that are not valid results (a torn last line) are skipped.
 */
export async function readLocalResults(store: JobStore, jobId: string): Promise<QaResult[]> {
  let text: string;
  try {
    text = await readFile(qaFile(store, jobId), 'utf8');
  } catch {
    return [];
  }
  const latest = new Map<string, QaResult>();
  const file = qaFile(store, jobId);
  for (const line of parseJsonl(text, file)) {
    const parsed = QaResult.safeParse(line);
    if (!parsed.success) continue;
    const key = `${parsed.data.qa_agent_id}\u0000${parsed.data.subject_id}`;
    latest.set(key, parsed.data);
  }
  return [...latest.values()];
}
