import type { TraceStep } from '@hud/protocol';
import { expect } from 'vitest';
import { readRunLines, readTraceSteps } from './eval-harness.js';

// What the harness tests check in a finished job's store, shared where the checks are the same.

/** The agent steps of a run's trace. */
export function agentStepsOf(store: string, jobId: string, traceId: string): TraceStep[] {
  return readTraceSteps(store, jobId, traceId).filter((step) => step.source === 'agent');
}

/**
 * Asserts a job whose `runs` runs each answered in one model call: every run graded 1, completed with stop
 * reason `done`, its record's usage `usage` over one call, and exactly one agent step, with the run's answer
 * and `step`. Returns each run's agent step.
 */
export function expectOneCallPerRun(
  store: string,
  jobId: string,
  expected: { runs: number; usage: Record<string, number>; step: Record<string, unknown> },
): TraceStep[] {
  const runs = readRunLines(store, jobId);
  expect(runs.map((record) => record.reward)).toEqual(Array(expected.runs).fill(1));
  return runs.map((record) => {
    expect(record).toMatchObject({ stop_reason: 'done', status: 'completed' });
    expect(record.usage).toMatchObject({ ...expected.usage, llm_call_count: 1 });
    const steps = agentStepsOf(store, jobId, record.trace_id);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ content: record.answer, ...expected.step });
    return steps[0] as TraceStep;
  });
}

/**
 * Asserts an examples/mcp-tools job graded 1 on its 3 runs, its store_and_recall trace holding the cut-off
 * `kv_set` (string arguments, an error result), then `kv_set` and `kv_get`. Returns that trace's steps.
 */
export function expectRecoveredKvSet(store: string, jobId: string): TraceStep[] {
  const runs = readRunLines(store, jobId);
  expect(runs.map((record) => record.reward)).toEqual([1, 1, 1]);
  const storeRun = runs.find((record) => record.slug.includes('store_and_recall')) ?? runs[0];
  const steps = readTraceSteps(store, jobId, storeRun?.trace_id ?? '');
  const toolSteps = steps.filter((step) => step.call !== undefined);
  expect(toolSteps.map((step) => step.call?.name)).toEqual(['kv_set', 'kv_set', 'kv_get']);
  expect(typeof toolSteps[0]?.call?.arguments).toBe('string');
  expect(toolSteps[0]?.result?.isError).toBe(true);
  return steps;
}

/** What {@link expectCodingFixRun} checks. */
export interface CodingFixRun {
  /** Fields of the run's record (`runs.jsonl`). */
  record: Record<string, unknown>;
  /** How many model calls (= agent steps) the run made. */
  calls: number;
  /** The token counts of call `n`. */
  usage: (n: number) => Record<string, number>;
  /** The model every agent step names, when checked. */
  model?: string;
  /** The agent step carrying `reasoning`, and its text. */
  reasoning: { at: number; text: string };
  /** The names of the tool calls, in order. */
  tools: readonly string[];
}

/**
 * Asserts the one run of an examples/coding-fix job and its trace: the record, one agent step per model call
 * with its usage (and model), the reasoning where it was given, the tool calls in order. Returns the trace's
 * tool steps (those with a `call`).
 */
export function expectCodingFixRun(store: string, jobId: string, run: CodingFixRun): TraceStep[] {
  const [record] = readRunLines(store, jobId);
  expect(record).toMatchObject(run.record);
  const steps = readTraceSteps(store, jobId, record?.trace_id ?? '');
  const agentSteps = steps.filter((step) => step.source === 'agent');
  expect(agentSteps).toHaveLength(run.calls);
  agentSteps.forEach((step, n) => {
    expect(step.usage).toMatchObject(run.usage(n));
    if (run.model !== undefined) expect(step.model).toBe(run.model);
  });
  expect(agentSteps[run.reasoning.at]?.reasoning).toBe(run.reasoning.text);
  const toolSteps = steps.filter((step) => step.call !== undefined);
  expect(toolSteps.map((step) => step.call?.name)).toEqual(run.tools);
  return toolSteps;
}

/** examples/mcp-tools' `kv_set` tool as every provider receives it: its description and JSON schema. */
export const KV_SET = {
  description: 'Store a string value under a key, replacing any previous value.',
  schema: {
    type: 'object',
    properties: { key: { type: 'string', description: 'the key' }, value: { type: 'string' } },
    required: ['key', 'value'],
  },
};
