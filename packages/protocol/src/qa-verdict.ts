import { z } from 'zod';

/**
 * One piece of evidence: a trace step (its 1-based `step_id`, as `hud.step.v1` numbers them) and an
 * optional short quote or note about it. The judge may write a bare number or `"step 3"`; both are read.
 */
export const EvidenceRef = z.preprocess(
  (value) => {
    if (typeof value === 'number') return { step: value };
    if (typeof value === 'string') {
      const match = /^\s*(?:step\s*#?\s*)?(\d+)\s*$/i.exec(value);
      return match ? { step: Number(match[1]) } : value;
    }
    return value;
  },
  z.object({
    step: z.number().int().min(0),
    note: z.string().max(2_000).optional(),
  }),
);
/** A reference to a trace step ({@link EvidenceRef}). */
export type EvidenceRef = z.infer<typeof EvidenceRef>;

/**
 * What a judge must reply, as JSON: `{verdict: passed|flagged, category?, confidence: [0, 1],
 * evidence: [step refs], explanation}`. `passed` = nothing to report; `flagged` = the workflow's concern
 * holds (e.g. false-positive: the credit was not earned), with a `category` from the workflow's list.
 */
export const JudgeReply = z.object({
  verdict: z.enum(['passed', 'flagged']),
  category: z.string().min(1).nullish(),
  confidence: z.number().min(0).max(1),
  evidence: z.array(EvidenceRef).max(50).default([]),
  explanation: z.string().min(1).max(8_000),
});
/** A validated judge reply ({@link JudgeReply}). */
export type JudgeReply = z.infer<typeof JudgeReply>;

/**
 * A recorded verdict: a {@link JudgeReply}, or `verdict: "error"` when no valid verdict could be had
 * (malformed JSON twice, a refusal, the provider failing after its retries; `explanation` says which).
 * Stored in the local job store and by the gateway, and shown by `hud qa results`.
 */
export const QaVerdict = z.object({
  verdict: z.enum(['passed', 'flagged', 'error']),
  category: z.string().nullable(),
  confidence: z.number().min(0).max(1),
  evidence: z.array(z.object({ step: z.number().int(), note: z.string().optional() })),
  explanation: z.string(),
});
/** A recorded verdict ({@link QaVerdict}). */
export type QaVerdict = z.infer<typeof QaVerdict>;

/** An `error` verdict explaining why there is no judgement (confidence 0, no evidence). */
export function errorVerdict(explanation: string): QaVerdict {
  return { verdict: 'error', category: null, confidence: 0, evidence: [], explanation };
}
