import { z } from 'zod';
import { QaVerdict } from './qa-verdict.js';

/**
 * One QA result: a workflow's (a QA agent's) review of one trace, as `hud qa results` shows it, the local
 * job store keeps it (`<store>/<job>/qa.jsonl`) and the gateway serves it
 * (`GET /v2/qa-agents/results/resources`, `GET /v2/trace/{id}/qa`). `status` is `pending`/`running` while
 * a gateway worker has not finished; the verdict fields are null until `completed`.
 */
export const QaResult = z.object({
  id: z.string(),
  qa_agent_id: z.string(),
  subject_type: z.literal('trace'),
  subject_id: z.string(),
  job_id: z.string().nullable(),
  status: z.enum(['pending', 'running', 'completed']),
  verdict: QaVerdict.shape.verdict.nullable(),
  category: z.string().nullable(),
  confidence: z.number().nullable(),
  evidence: QaVerdict.shape.evidence,
  explanation: z.string().nullable(),
  model: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
/** A QA result ({@link QaResult}). */
export type QaResult = z.infer<typeof QaResult>;

/** Whether every result has a `passed` verdict (what `hud qa run` exits 0 on; spec §9.8). */
export function allPassed(results: readonly QaResult[]): boolean {
  return results.every((result) => result.verdict === 'passed');
}
