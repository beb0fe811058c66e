import { stepsOfSpans } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { renderEvent } from './trace-gateway.js';
import { renderTrace } from './trace-render.js';

const span = (attributes: Record<string, unknown>, name = 'step.agent') => ({
  name,
  trace_id: 'a'.repeat(32),
  span_id: 'b'.repeat(16),
  start_time: '2026-01-01T00:00:00Z',
  end_time: '2026-01-01T00:00:01Z',
  attributes,
});

describe('stepsOfSpans', () => {
  it('keeps the hud.step.v1 payloads in step order and drops other spans', () => {
    const agent = { step_id: 2, source: 'agent', content: 'it is 3', tool_calls: [] };
    const user = {
      step_id: 1,
      source: 'user',
      messages: [{ role: 'user', content: { type: 'text', text: 'count' } }],
    };
    const spans = [
      span({ 'hud.schema': 'hud.step.v1', 'hud.payload': agent }),
      span({ 'hud.task_run_id': 'x', 'code.function': 'f' }, 'module.f'),
      span(
        { 'hud.schema': 'hud.filetracking.v1', 'hud.payload': { files: [] } },
        'filetracking.diff',
      ),
      span({ 'hud.schema': 'hud.step.v1', 'hud.payload': user }, 'step.user'),
      span({ 'hud.schema': 'hud.step.v1', 'hud.payload': { source: 'agent' } }),
      'not a span',
    ];
    const steps = stepsOfSpans(spans);
    expect(steps).toEqual([user, agent]);
    // The same timeline as the local store renders.
    expect(renderTrace(steps)).toMatch(/^ {2}1 .* user {3}user: count\n {2}2 .* agent {2}it is 3$/);
  });
});

describe('renderEvent (a platform without the spans route)', () => {
  it('draws each kind of hud-python event on one line', () => {
    expect(
      renderEvent({
        kind: 'agent_message',
        text: 'looking',
        tool_calls: [{ name: 'bash', arguments: { cmd: 'ls' } }],
        error: null,
      }),
    ).toBe('agent  looking → bash({"cmd":"ls"})');
    expect(renderEvent({ kind: 'tool_result', name: 'bash', result: 'a.txt', error: null })).toBe(
      'tool   bash = a.txt',
    );
    expect(renderEvent({ kind: 'environment', text: 'Count the rs', error: 'boom' })).toBe(
      'environment Count the rs error: boom',
    );
    expect(
      renderEvent({ kind: 'task', phase: 'evaluate', name: 'count', result: { score: 1 } }),
    ).toBe('task   evaluate count {"score":1}');
  });
});
