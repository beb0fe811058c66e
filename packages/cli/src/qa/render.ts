import type { QaResult } from '@hud/protocol';
import { renderTable } from '../table.js';

const clip = (text: string, width: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
};

/**
 * QA results as a table (trace, workflow, verdict, category, confidence, evidence steps, explanation) and a
 * count line: `2 passed, 1 flagged, 0 errors, 0 pending`.
 */
export function renderResults(results: readonly QaResult[], color: boolean): string {
  const rows = results.map((result) => [
    result.subject_id.slice(0, 12),
    result.qa_agent_id,
    result.verdict ?? result.status,
    result.category ?? '',
    result.confidence === null ? '' : result.confidence.toFixed(2),
    result.evidence.map((ref) => ref.step).join(', '),
    clip(result.explanation ?? '', 60),
  ]);
  const count = (verdict: string) => results.filter((result) => result.verdict === verdict).length;
  const pending = results.filter((result) => result.status !== 'completed').length;
  const table = renderTable(
    ['trace', 'workflow', 'verdict', 'category', 'confidence', 'steps', 'explanation'],
    rows,
    color,
  );
  return `${table}\n${count('passed')} passed, ${count('flagged')} flagged, ${count('error')} errors, ${pending} pending`;
}
