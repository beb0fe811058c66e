import type { TraceStep } from '@hud/protocol';
import { tempDirEachTest } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { exportRl, rlExportLine } from './export-rl.js';
import { RlExportLineSchema } from './export-rl-schema.js';
import type { JobMeta } from './job-meta.js';
import type { RunRecord } from './run-record.js';
import { JobStore } from './store.js';

const scratch = tempDirEachTest('hud-eval-export-rl-');
const JOB = 'a'.repeat(32);

function record(trace: string, index: number, reward: number | null): RunRecord {
  return {
    trace_id: trace,
    job_id: JOB,
    group_id: 'g'.repeat(32),
    group_index: index,
    slug: 'count-r',
    task: { env: 'letter-count', id: 'count', args: {}, slug: 'count-r' },
    prompt: 'How many r in strawberry?',
    bindings: [],
    answer: '3',
    grade: reward === null ? null : { score: reward },
    reward,
    isError: reward === null,
    status: reward === null ? 'error' : 'completed',
    stop_reason: 'done',
    error: null,
    timings: { provisioning: 0, starting: 0, agent: 0, grading: 0, cleanup: 0, total: 0 },
    usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: null,
      llm_call_count: 0,
    },
    started_at: '2026-01-01T00:00:00.000000Z',
    ended_at: '2026-01-01T00:00:01.000000Z',
  };
}

const steps: TraceStep[] = [
  {
    step_id: 1,
    source: 'task',
    task_call: { phase: 'setup', name: 'count', arguments: {}, result: null },
  },
  {
    step_id: 2,
    source: 'user',
    messages: [{ role: 'user', content: { type: 'text', text: 'How many r in strawberry?' } }],
  },
  {
    step_id: 3,
    source: 'agent',
    content: '',
    reasoning: 'count them',
    tool_calls: [{ id: 'call_1', name: 'bash', arguments: { command: 'echo strawberry' } }],
    model: 'Qwen/Qwen3-8B',
    sample: {
      prompt_token_ids: [1, 2, 3],
      output_token_ids: [7, 8],
      output_logprobs: [-0.1, -0.2],
    },
  },
  {
    step_id: 4,
    source: 'tool',
    call: { id: 'call_1', name: 'bash', arguments: { command: 'echo strawberry' } },
    result: { content: [{ type: 'text', text: 'strawberry' }], isError: false },
  },
  { step_id: 5, source: 'agent', content: '3', model: 'Qwen/Qwen3-8B' },
  {
    step_id: 6,
    source: 'task',
    task_call: { phase: 'evaluate', name: 'count', arguments: {}, result: { score: 1 } },
  },
];

describe('rlExportLine', () => {
  it('splits a trace into prompt and completion messages with tool calls, tool results and samples', () => {
    const line = rlExportLine(record('t'.repeat(32), 2, 1), steps, 0.25);
    expect(RlExportLineSchema.parse(line)).toEqual(line);
    expect(line.prompt).toEqual([{ role: 'user', content: 'How many r in strawberry?' }]);
    expect(line.completion).toEqual([
      {
        role: 'assistant',
        content: '',
        reasoning_content: 'count them',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'bash', arguments: '{"command":"echo strawberry"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', name: 'bash', content: 'strawberry' },
      { role: 'assistant', content: '3' },
    ]);
    expect(line).toMatchObject({
      reward: 1,
      advantage: 0.25,
      group_index: 2,
      task: 'count-r',
      model: 'Qwen/Qwen3-8B',
      samples: [
        { prompt_token_ids: [1, 2, 3], output_token_ids: [7, 8], output_logprobs: [-0.1, -0.2] },
      ],
    });
  });

  it('takes the prompt from the record when the trace has no user step, and leaves samples out', () => {
    const line = rlExportLine(record('t'.repeat(32), 0, null), [], null);
    expect(line.prompt).toEqual([{ role: 'user', content: 'How many r in strawberry?' }]);
    expect(line).toMatchObject({ completion: [], reward: null, advantage: null });
    expect('samples' in line).toBe(false);
  });
});

describe('exportRl', () => {
  it('reads a job from the store and gives every run its group advantage', async () => {
    const store = new JobStore(scratch.path);
    const meta: JobMeta = {
      id: JOB,
      name: 'letters',
      group: 3,
      created_at: '2026-01-01T00:00:00.000000Z',
      updated_at: '2026-01-01T00:00:00.000000Z',
      status: 'completed',
      source: null,
      agent: { name: 'openai_compatible', model: 'Qwen/Qwen3-8B' },
      taskset: { name: 'letters', count: 1, taskset_id: null, file: 'tasks.jsonl' },
      totals: null,
    };
    const writer = await store.create(meta, []);
    const rewards = [1, 0, 0];
    for (const [index, reward] of rewards.entries()) {
      const trace = `${index}`.repeat(32);
      await writer.appendRun(record(trace, index, reward));
      const traceWriter = writer.openTrace(trace);
      for (const step of steps) traceWriter.write(step);
      await traceWriter.close();
    }
    await writer.close();
    const lines = [];
    for await (const line of exportRl(store, JOB)) lines.push(RlExportLineSchema.parse(line));
    const advantages = lines.map((line) => line.advantage as number);
    for (const [i, expected] of [2 / 3, -1 / 3, -1 / 3].entries()) {
      expect(advantages[i]).toBeCloseTo(expected, 12);
    }
    expect(lines.every((line) => line.completion.length === 3)).toBe(true);
  });
});
