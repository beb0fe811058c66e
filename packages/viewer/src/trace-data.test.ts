import { describe, expect, it } from 'vitest';
import type { LogLine } from './api.js';
import { mergeLogs, mergeSpans } from './trace-data.js';

const line = (text: string, time = '2026-01-01T00:00:01Z'): LogLine => ({
  time,
  source: 'environment',
  stream: 'stdout',
  line: text,
});

describe('mergeLogs', () => {
  it('drops live lines the paged read already has, keeping repeated lines as often as printed', () => {
    const paged = [line('a'), line('b'), line('b')];
    expect(mergeLogs(paged, [line('b'), line('c')]).map((l) => l.line)).toEqual([
      'a',
      'b',
      'b',
      'c',
    ]);
    expect(mergeLogs([line('b')], [line('b'), line('b')]).map((l) => l.line)).toEqual(['b', 'b']);
    expect(mergeLogs(paged, [line('a')])).toBe(paged);
  });
});

describe('mergeSpans', () => {
  it('appends spans by id once, whichever way they came', () => {
    const spans = [{ span_id: '1' }, { span_id: '2' }];
    expect(mergeSpans(spans, [{ span_id: '2' }, { span_id: '3' }, { span_id: '3' }])).toEqual([
      { span_id: '1' },
      { span_id: '2' },
      { span_id: '3' },
    ]);
    expect(mergeSpans(spans, [{ span_id: '1' }])).toBe(spans);
  });
});
