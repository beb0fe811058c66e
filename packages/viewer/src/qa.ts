import type { QaResult } from './api.js';

// QA verdicts (`hud qa run`, the gateway's QA agents) shaped for the job and trace pages.

/** How a verdict is drawn: flagged (red), passed, error, or pending (not completed yet). */
export type QaKind = 'flagged' | 'passed' | 'error' | 'pending';

/** The results of each trace: trace id (`subject_id`) → its results, in the order given. */
export function qaByTrace(results: readonly QaResult[]): Map<string, QaResult[]> {
  const byTrace = new Map<string, QaResult[]>();
  for (const result of results) {
    const list = byTrace.get(result.subject_id);
    if (list) list.push(result);
    else byTrace.set(result.subject_id, [result]);
  }
  return byTrace;
}

/** The kind of `result`: its verdict once completed, else `pending`. */
export function qaKind(result: QaResult): QaKind {
  return result.status === 'completed' && result.verdict ? result.verdict : 'pending';
}

/** A badge's text: `flagged · <category>` (or `flagged`), `passed`, `error`, or the status (`running`). */
export function qaLabel(result: QaResult): string {
  const kind = qaKind(result);
  if (kind === 'pending') return result.status;
  return kind === 'flagged' && result.category ? `flagged · ${result.category}` : kind;
}

/** A confidence in [0, 1] as a percentage (`90%`), `—` when unknown. */
export function formatConfidence(confidence: number | null): string {
  return confidence === null ? '—' : `${Math.round(confidence * 100)}%`;
}
