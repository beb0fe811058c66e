import type { TraceStep } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { renderTrace } from './trace-render.js';

describe('renderTrace', () => {
  it('shows each step with its offset, source and summary, and errors on their own line', () => {
    const steps: TraceStep[] = [
      {
        step_id: 1,
        source: 'task',
        ended_at: '2026-11-21T12:00:00.000000Z',
        task_call: {
          phase: 'setup',
          name: 'count',
          arguments: { word: 'x' },
          result: { prompt: 'p' },
        },
      },
      {
        step_id: 2,
        source: 'agent',
        ended_at: '2026-11-21T12:00:01.500000Z',
        content: 'three',
        usage: { prompt_tokens: 10, completion_tokens: 2 },
      },
      {
        step_id: 3,
        source: 'task',
        ended_at: '2026-11-21T12:00:02.000000Z',
        task_call: {
          phase: 'evaluate',
          name: 'count',
          arguments: { answer: 'three' },
          result: { score: 0 },
        },
        error: 'boom',
      },
    ];
    const lines = renderTrace(steps).split('\n');
    expect(lines[0]).toMatch(/^ {2}1 +\+0\.000s task +tasks\.start count \{"word":"x"\}/);
    expect(lines[1]).toMatch(/^ {2}2 +\+1\.500s agent +three \(10\+2 tokens\)$/);
    expect(lines[2]).toMatch(/tasks\.grade count \{"answer":"three"\} score 0$/);
    expect(lines[3]).toBe('              error: boom');
  });
});
