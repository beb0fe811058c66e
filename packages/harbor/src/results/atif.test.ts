import type { RunRecord } from '@hud/eval';
import type { TraceStep } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { PROMPT, runRecord, TRACE_ID, TWO_CALL_USAGE } from './__fixtures__/run-record.js';
import { type AtifTrajectory, toAtif, validateAtif } from './atif.js';

const setupStep: TraceStep = {
  step_id: 1,
  source: 'task',
  task_call: { phase: 'setup', name: 'run', arguments: {}, result: { prompt: PROMPT } },
  ended_at: '2026-06-25T21:29:33.469000Z',
};
const userStep: TraceStep = {
  step_id: 2,
  source: 'user',
  messages: [{ role: 'user', content: { type: 'text', text: PROMPT } }],
  ended_at: '2026-06-25T21:29:33.470000Z',
};
const evaluateStep = (stepId: number): TraceStep => ({
  step_id: stepId,
  source: 'task',
  task_call: { phase: 'evaluate', name: 'run', arguments: { answer: '' }, result: { score: 1 } },
  ended_at: '2026-06-25T21:29:38.000000Z',
});

const oracleSteps: TraceStep[] = [
  setupStep,
  userStep,
  {
    step_id: 3,
    source: 'agent',
    content: 'solve.sh exited 0',
    done: true,
    started_at: '2026-06-25T21:29:33.500000Z',
    ended_at: '2026-06-25T21:29:36.400000Z',
  },
  evaluateStep(4),
];

const modelSteps: TraceStep[] = [
  setupStep,
  userStep,
  {
    step_id: 3,
    source: 'agent',
    content: 'I will write the file and check it.',
    reasoning: 'The file does not exist yet.',
    tool_calls: [
      {
        id: 'toolu_01',
        name: 'bash',
        arguments: { command: 'echo "Hello, world!" > /app/hello.txt' },
      },
      { id: 'toolu_02', name: 'screenshot', arguments: '{"region": ' },
    ],
    model: 'claude-sonnet-4-5',
    usage: {
      prompt_tokens: 1200,
      completion_tokens: 80,
      cached_tokens: 1000,
      cost_usd: 0.0021,
      llm_call_count: 1,
    },
    ended_at: '2026-06-25T21:29:34.100000Z',
  },
  {
    step_id: 4,
    source: 'tool',
    call: {
      id: 'toolu_01',
      name: 'bash',
      arguments: { command: 'echo "Hello, world!" > /app/hello.txt' },
    },
    result: { content: [{ type: 'text', text: 'exit 0' }], isError: false, call_id: 'toolu_01' },
    ended_at: '2026-06-25T21:29:34.300000Z',
  },
  {
    step_id: 5,
    source: 'tool',
    call: { id: 'toolu_02', name: 'screenshot', arguments: '{"region": ' },
    result: {
      content: [
        { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
        { type: 'text', text: 'arguments were not JSON' },
      ],
      isError: true,
      call_id: 'toolu_02',
    },
    ended_at: '2026-06-25T21:29:34.400000Z',
  },
  {
    step_id: 6,
    source: 'agent',
    content: 'Done: /app/hello.txt holds the greeting.',
    tool_calls: [],
    model: 'claude-sonnet-4-5',
    usage: { prompt_tokens: 1500, completion_tokens: 20, cached_tokens: 1200, cost_usd: 0.0009 },
    ended_at: '2026-06-25T21:29:35.000000Z',
  },
  evaluateStep(7),
];

const modelRecord = runRecord({ usage: TWO_CALL_USAGE });

function convert(record: RunRecord, steps: TraceStep[]): AtifTrajectory {
  return toAtif({ record, steps, agentName: 'claude', agentVersion: '0.1.0' });
}

describe('toAtif', () => {
  it('maps an oracle run to a user step and an agent step, leaving task calls out', () => {
    const trajectory = toAtif({ record: runRecord(), steps: oracleSteps, agentName: 'oracle' });

    expect(validateAtif(trajectory)).toEqual({ ok: true });
    expect(trajectory.schema_version).toBe('ATIF-v1.7');
    expect(trajectory.session_id).toBe(TRACE_ID);
    expect(trajectory.agent).toEqual({ name: 'oracle', version: 'unknown', model_name: null });
    expect(trajectory.steps).toEqual([
      { step_id: 1, timestamp: userStep.ended_at, source: 'user', message: PROMPT },
      {
        step_id: 2,
        timestamp: '2026-06-25T21:29:36.400000Z',
        source: 'agent',
        message: 'solve.sh exited 0',
      },
    ]);
    expect(trajectory.final_metrics).toEqual({
      total_prompt_tokens: 0,
      total_completion_tokens: 0,
      total_cached_tokens: 0,
      total_cost_usd: null,
      total_steps: 2,
    });
    expect(trajectory.notes).toContain('reward 1');
    expect(trajectory.extra?.hud).toMatchObject({ reward: 1, grade: { score: 1, isError: false } });
  });

  it('attaches tool results to the agent step that made the calls, with metrics and costs', () => {
    const trajectory = convert(modelRecord, modelSteps);

    expect(validateAtif(trajectory)).toEqual({ ok: true });
    expect(trajectory.agent.model_name).toBe('claude-sonnet-4-5');
    expect(trajectory.steps.map((step) => step.source)).toEqual(['user', 'agent', 'agent']);
    const [, first, last] = trajectory.steps;
    expect(first).toMatchObject({
      step_id: 2,
      model_name: 'claude-sonnet-4-5',
      message: 'I will write the file and check it.',
      reasoning_content: 'The file does not exist yet.',
      tool_calls: [
        {
          tool_call_id: 'toolu_01',
          function_name: 'bash',
          arguments: { command: 'echo "Hello, world!" > /app/hello.txt' },
        },
        {
          tool_call_id: 'toolu_02',
          function_name: 'screenshot',
          arguments: { raw: '{"region": ' },
        },
      ],
      metrics: {
        prompt_tokens: 1200,
        completion_tokens: 80,
        cached_tokens: 1000,
        cost_usd: 0.0021,
      },
      observation: {
        results: [
          { source_call_id: 'toolu_01', content: 'exit 0' },
          {
            source_call_id: 'toolu_02',
            content: '[image image/png]\narguments were not JSON',
            extra: { is_error: true },
          },
        ],
      },
    });
    expect(last?.tool_calls).toBeUndefined();
    expect(last?.observation).toBeUndefined();
    expect(trajectory.final_metrics).toMatchObject({
      total_prompt_tokens: 2700,
      total_completion_tokens: 100,
      total_cached_tokens: 2200,
      total_steps: 3,
    });
    expect(trajectory.final_metrics?.total_cost_usd).toBeCloseTo(0.003, 10);
  });

  it('keeps a failed run valid: errors become system steps and the notes say there is no verdict', () => {
    const error = '[grading] no reward file: /logs/verifier/reward.{json,txt} missing';
    const record = runRecord({
      grade: { score: 0, isError: true, content: 'no reward file' },
      reward: null,
      isError: true,
      status: 'error',
      error,
    });
    const steps: TraceStep[] = [
      ...oracleSteps.slice(0, 3),
      { step_id: 4, source: 'system', error, ended_at: '2026-06-25T21:29:38.100000Z' },
    ];
    const trajectory = toAtif({ record, steps, agentName: 'oracle' });

    expect(validateAtif(trajectory)).toEqual({ ok: true });
    expect(trajectory.steps.at(-1)).toEqual({
      step_id: 3,
      timestamp: '2026-06-25T21:29:38.100000Z',
      source: 'system',
      message: error,
    });
    expect(trajectory.notes).toContain(`no verdict (${error})`);
  });

  it('gives a tool result with no agent step before it an agent step of its own', () => {
    const [, , , toolStep] = modelSteps;
    const trajectory = convert(modelRecord, [userStep, toolStep as TraceStep]);

    expect(validateAtif(trajectory)).toEqual({ ok: true });
    expect(trajectory.steps[1]).toMatchObject({
      source: 'agent',
      message: '',
      tool_calls: [{ tool_call_id: 'toolu_01' }],
      observation: { results: [{ source_call_id: 'toolu_01', content: 'exit 0' }] },
    });
  });
});

describe('validateAtif', () => {
  type Doc = Record<string, unknown>;

  /** The object at `path` inside a document, for editing. */
  function at(document: Doc, ...path: (string | number)[]): Doc {
    let value: unknown = document;
    for (const key of path) value = (value as Record<string | number, unknown>)[key];
    if (typeof value !== 'object' || value === null) throw new Error(`no object at ${path}`);
    return value as Doc;
  }

  /** Breaks a valid document with `mutate`; returns the problems, failing when it stays valid. */
  function problemsOf(mutate: (document: Doc) => void): string[] {
    const document: Doc = structuredClone(convert(modelRecord, modelSteps));
    expect(validateAtif(document)).toEqual({ ok: true });
    mutate(document);
    const result = validateAtif(document);
    expect(result.ok).toBe(false);
    return result.ok ? [] : result.problems;
  }

  it('accepts a trajectory as Harbor writes it (offset timestamps, partial final_metrics)', () => {
    const harbor = {
      schema_version: 'ATIF-v1.7',
      session_id: '202a7795-4827-44ac-be9c-aec02455e04c',
      agent: { name: 'terminus-2', version: '2.0.0', model_name: 'anthropic/claude-haiku-4-5' },
      steps: [
        {
          step_id: 1,
          timestamp: '2026-06-25T22:04:40.703621+00:00',
          source: 'user',
          message: 'Generate an SSH key pair.',
        },
      ],
      final_metrics: { total_prompt_tokens: 0, total_completion_tokens: 0, total_cached_tokens: 0 },
    };
    expect(validateAtif(harbor)).toEqual({ ok: true });
  });

  it('rejects step ids that are not 1, 2, 3…', () => {
    const problems = problemsOf((document) => {
      at(document, 'steps', 1).step_id = 3;
      at(document, 'steps', 2).step_id = 4;
    });
    expect(problems).toContain('steps.1.step_id: is 3, expected 2 (1-based, sequential)');
  });

  it('rejects tool calls on a user step', () => {
    const problems = problemsOf((document) => {
      at(document, 'steps', 0).tool_calls = [
        { tool_call_id: 'x', function_name: 'bash', arguments: {} },
      ];
    });
    expect(problems).toEqual(['steps.0.tool_calls: only agent steps carry it']);
  });

  it('rejects metrics and model_name on a system step', () => {
    const problems = problemsOf((document) => {
      Object.assign(at(document, 'steps', 0), {
        source: 'system',
        metrics: { prompt_tokens: 1 },
        model_name: 'gpt-5',
      });
    });
    expect(problems).toEqual([
      'steps.0.model_name: only agent steps carry it',
      'steps.0.metrics: only agent steps carry it',
    ]);
  });

  it('rejects an observation that refers to a call id the step did not make', () => {
    const problems = problemsOf((document) => {
      at(document, 'steps', 1, 'observation', 'results', 1).source_call_id = 'toolu_99';
    });
    expect(problems).toEqual([
      "steps.1.observation.results.1.source_call_id: 'toolu_99' is not a tool_call_id of this step",
    ]);
  });

  it('rejects a total_steps that does not match the steps', () => {
    const problems = problemsOf((document) => {
      at(document, 'final_metrics').total_steps = 4;
    });
    expect(problems).toEqual(['final_metrics.total_steps: is 4, but there are 3 steps']);
  });

  it('rejects an unknown schema_version', () => {
    const problems = problemsOf((document) => {
      document.schema_version = 'ATIF-v2.0';
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^schema_version: /);
  });

  it.each([
    ['yesterday'],
    ['2026-02-30T10:00:00Z'],
    ['2026-06-25 22:04:40'],
    ['2026-06-25T25:00:00Z'],
  ])('rejects the timestamp %s', (timestamp) => {
    const problems = problemsOf((document) => {
      at(document, 'steps', 2).timestamp = timestamp;
    });
    expect(problems).toEqual([`steps.2.timestamp: '${timestamp}' is not an ISO 8601 date-time`]);
  });

  it('rejects a source outside system|user|agent and tool calls without ids', () => {
    const problems = problemsOf((document) => {
      at(document, 'steps', 0).source = 'tool';
      delete at(document, 'steps', 1, 'tool_calls', 0).tool_call_id;
    });
    expect(problems.some((problem) => problem.startsWith('steps.0.source: '))).toBe(true);
    expect(
      problems.some((problem) => problem.startsWith('steps.1.tool_calls.0.tool_call_id: ')),
    ).toBe(true);
  });
});
