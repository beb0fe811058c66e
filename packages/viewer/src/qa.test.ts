import { describe, expect, it } from 'vitest';
import type { QaResult } from './api.js';
import { formatConfidence, qaByTrace, qaKind, qaLabel } from './qa.js';

const result = (over: Partial<QaResult>): QaResult => ({
  id: 'r',
  qa_agent_id: 'false-positive',
  subject_type: 'trace',
  subject_id: 't1',
  job_id: 'j1',
  status: 'completed',
  verdict: 'passed',
  category: null,
  confidence: 0.9,
  evidence: [],
  explanation: 'Earned.',
  model: 'judge',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...over,
});

describe('QA verdicts for the pages', () => {
  it('groups results by trace in the order given', () => {
    const a = result({ id: 'a', subject_id: 't1' });
    const b = result({ id: 'b', subject_id: 't2' });
    const c = result({ id: 'c', subject_id: 't1', qa_agent_id: 'false-negative' });
    expect([...qaByTrace([a, b, c])]).toEqual([
      ['t1', [a, c]],
      ['t2', [b]],
    ]);
  });

  it('labels flagged verdicts with their category and unfinished ones with their status', () => {
    expect(qaLabel(result({ verdict: 'flagged', category: 'lucky-guess' }))).toBe(
      'flagged · lucky-guess',
    );
    expect(qaLabel(result({ verdict: 'flagged', category: null }))).toBe('flagged');
    expect(qaLabel(result({ verdict: 'passed' }))).toBe('passed');
    expect(qaLabel(result({ verdict: 'error' }))).toBe('error');
    const running = result({ status: 'running', verdict: null });
    expect([qaKind(running), qaLabel(running)]).toEqual(['pending', 'running']);
    expect(formatConfidence(0.9)).toBe('90%');
    expect(formatConfidence(null)).toBe('—');
  });
});
