import type { RunRecord } from '@hud/eval';

/** A trace id in hud-ts's form (32 hex digits, no dashes). */
export const TRACE_ID = '3f2a9c1e7b4d4e0f9a8b7c6d5e4f3a2b';
export const PROMPT = 'Create /app/hello.txt containing "Hello, world!"';

/** The usage of a run with two model calls (2,700 prompt tokens, 2,200 of them cached; $0.003). */
export const TWO_CALL_USAGE: RunRecord['usage'] = {
  prompt_tokens: 2700,
  completion_tokens: 100,
  cached_tokens: 2200,
  cost_usd: 0.003,
  llm_call_count: 2,
};

/** A finished oracle run of a Harbor task graded 1.0, as the job store records it; `overrides` replace fields. */
export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    trace_id: TRACE_ID,
    job_id: 'job-7',
    group_id: 'group-1',
    group_index: 0,
    slug: 'hello-world',
    task: { env: 'harbor-hello', id: 'run', args: { instruction: PROMPT }, slug: 'hello-world' },
    prompt: PROMPT,
    bindings: [{ name: 'shell', protocol: 'mcp' }],
    answer: '',
    grade: { score: 1, info: { rewards: { reward: 1 } } },
    reward: 1,
    isError: false,
    status: 'completed',
    stop_reason: 'done',
    error: null,
    timings: {
      provisioning: 2000,
      starting: 500,
      agent: 3000,
      grading: 1500,
      cleanup: 400,
      total: 7400,
    },
    usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: null,
      llm_call_count: 0,
    },
    started_at: '2026-06-25T21:29:30.969000Z',
    ended_at: '2026-06-25T21:29:38.369000Z',
    ...overrides,
  };
}
