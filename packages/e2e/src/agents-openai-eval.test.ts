import type { FakeProvider, FakeTurn } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { CODING_FIX, LETTER_COUNT, MCP_TOOLS } from './support/eval-harness.js';
import { cleanUpModelRuns, evalModel, fakeModel } from './support/model-agents.js';
import * as checks from './support/model-checks.js';
import * as scripted from './support/model-scripts.js';
import { expectSummary } from './support/run-hud.js';

// The `openai` agent end to end: `hud eval … openai` in a child process, the official `openai` SDK talking
// to a scripted fake Responses server on 127.0.0.1, real capabilities (a shell workspace, MCP tools).

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: unknown;
}

/** The `input` items of a Responses request body. */
function inputOf(body: unknown): InputItem[] {
  const input = (body as { input?: unknown }).input;
  return Array.isArray(input) ? (input as InputItem[]) : [];
}

/** The text of the first user message: the task's prompt. */
function promptOf(body: unknown): string {
  const first = inputOf(body).find((item) => item.role === 'user');
  const content = first?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content)
    ? content.map((part: { text?: string }) => part.text ?? '').join('')
    : '';
}

/** Each `function_call_output` as text (list outputs joined). */
function outputsOf(body: unknown): string[] {
  return inputOf(body)
    .filter((item) => item.type === 'function_call_output')
    .map((item) =>
      typeof item.output === 'string'
        ? item.output
        : (item.output as { text?: string }[]).map((part) => part.text ?? '').join('\n'),
    );
}

/** Token counts a scripted turn reports: the n-th call of a run. */
const usage = (n: number) => ({ inputTokens: 100 + n, outputTokens: 7, cachedTokens: 40 });

cleanUpModelRuns();

/** `hud eval <source> openai --all` against `fake`, with a scratch store. */
const evalOpenAI = (fake: FakeProvider, source: string, extra: string[] = []) =>
  evalModel('openai', source, ['--all', ...extra], {
    env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: `${fake.url}/v1` },
  });

describe('hud eval with the openai agent against a fake Responses server', () => {
  it('letter-count: a rate-limited call retried, every task answered, graded 1.0, usage and cost in the trace; -c and --model reach the request', async () => {
    // The first call of each run is rate-limited: the loop retries after the server's hint.
    const fake = await fakeModel(
      scripted.rateLimitedLetterCount(promptOf, scripted.SLOW_DOWN, () => ({ usage: usage(0) })),
    );
    const { run, store, jobId } = await evalOpenAI(fake, LETTER_COUNT, [
      '--model',
      'gpt-5.2',
      '-c',
      'max_output_tokens=256',
      '-c',
      'reasoning=low',
    ]);
    expectSummary(run, /reward 1\.000 over 3 graded runs/);

    const requests = fake.requestsFor('openai-responses');
    expect(requests).toHaveLength(6);
    for (const request of requests) {
      expect(request.headers.authorization).toBe('Bearer test');
      expect(request.body).toMatchObject({
        model: 'gpt-5.2',
        store: false,
        include: ['reasoning.encrypted_content'],
        max_output_tokens: 256,
        reasoning: { effort: 'low' },
      });
      // No capabilities, no tools.
      expect((request.body as { tools?: unknown }).tools).toBeUndefined();
    }

    const tokens = { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 40 };
    const steps = checks.expectOneCallPerRun(store, jobId, {
      runs: 3,
      usage: tokens,
      step: { model: 'gpt-5.2', usage: tokens },
    });
    // gpt-5.2 is in the price table: $1.75 / $14 per million, cached input $0.175.
    for (const step of steps) {
      expect(step.usage?.cost_usd).toBeCloseTo((60 * 1.75 + 40 * 0.175 + 7 * 14) / 1e6, 12);
    }
  });

  it('coding-fix: real bash and editor calls in the workspace, then the answer; graded 1.0', async () => {
    const optionalEditor = { file_text: null, old_str: null, new_str: null, insert_line: null };
    const script: FakeTurn[] = [
      // A strict model sends every property, null for the ones it does not use.
      {
        toolCalls: [
          { name: 'bash', arguments: { command: 'node --test', restart: null, timeout_ms: null } },
        ],
      },
      {
        toolCalls: [
          {
            name: 'editor',
            arguments: { command: 'view', path: 'src/sum.js', ...optionalEditor, view_range: null },
          },
        ],
      },
      {
        reasoning: 'The loop stops one short of the last value.',
        toolCalls: [
          {
            name: 'editor',
            arguments: {
              ...optionalEditor,
              command: 'str_replace',
              path: 'src/sum.js',
              old_str: 'index < values.length - 1',
              new_str: 'index < values.length',
              view_range: null,
            },
          },
        ],
      },
      {
        toolCalls: [
          { name: 'bash', arguments: { command: 'node --test', restart: null, timeout_ms: null } },
        ],
      },
      { text: 'Fixed the off-by-one in sum(): the loop now includes the last value.' },
    ];
    const fake = await fakeModel((body) => scripted.step(script, outputsOf(body).length, usage));
    const { run, store, jobId } = await evalOpenAI(fake, CODING_FIX);
    expectSummary(run, /reward 1\.000 over 1 graded run/);

    const bodies = fake.bodiesFor('openai-responses');
    expect(bodies).toHaveLength(5);
    // The tools the model was offered: bash and editor as strict function tools.
    const tools = (bodies[0] as { tools: { name: string; strict: boolean; type: string }[] }).tools;
    expect(tools.map((tool) => [tool.type, tool.name, tool.strict])).toEqual([
      ['function', 'bash', true],
      ['function', 'editor', true],
    ]);
    // What the real tools answered, as the model saw it on the last call.
    const outputs = outputsOf(bodies[4]);
    expect(outputs[0]).toMatch(/^\[tool_error\] true\n\$ node --test\n/);
    expect(outputs[0]).toMatch(/\(exit 1\)$/);
    expect(outputs[1]).toContain('index < values.length - 1');
    expect(outputs[2]).not.toContain('[tool_error]');
    expect(outputs[3]).toMatch(/^\$ node --test\n[\s\S]*\(exit 0\)$/);
    // The reasoning item went back with the history, without its server id.
    expect(inputOf(bodies[4]).filter((item) => item.type === 'reasoning')).toEqual([
      expect.not.objectContaining({ id: expect.anything() }),
    ]);

    const toolSteps = checks.expectCodingFixRun(store, jobId, {
      record: {
        reward: 1,
        answer: 'Fixed the off-by-one in sum(): the loop now includes the last value.',
        usage: {
          prompt_tokens: 100 + 101 + 102 + 103 + 104,
          completion_tokens: 35,
          llm_call_count: 5,
        },
      },
      calls: 5,
      usage: (n) => ({ prompt_tokens: 100 + n, completion_tokens: 7, cached_tokens: 40 }),
      reasoning: { at: 2, text: 'The loop stops one short of the last value.' },
      tools: ['bash', 'editor', 'editor', 'bash'],
    });
    // The nulls of unused optional properties never reach the tools.
    expect(toolSteps[0]?.call?.arguments).toEqual({ command: 'node --test' });
    expect(toolSteps[3]?.result?.isError).not.toBe(true);
  });

  it('mcp-tools: MCP tools reach the provider as function tools; a malformed call is recovered', async () => {
    const fake = await fakeModel((body) => {
      const outputs = outputsOf(body);
      return scripted.mcpTools(promptOf(body), outputs.length, outputs, usage);
    });
    const { run, store, jobId } = await evalOpenAI(fake, MCP_TOOLS);
    expectSummary(run, /reward 1\.000 over 3 graded runs/);

    // The MCP tools as the provider received them.
    const bodies = fake.bodiesFor('openai-responses');
    const tools = (bodies[0] as { tools: Record<string, unknown>[] }).tools;
    expect(tools.map((tool) => tool.name)).toEqual(['kv_set', 'kv_get', 'kv_list']);
    expect(tools[0]).toEqual({
      type: 'function',
      name: 'kv_set',
      description: checks.KV_SET.description,
      parameters: { ...checks.KV_SET.schema, additionalProperties: false },
      strict: true,
    });
    expect(tools[2]).toMatchObject({
      name: 'kv_list',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
      strict: true,
    });

    // The malformed call was answered with an error result, and the run went on.
    const recovered = bodies.filter(
      (body) => outputsOf(body).length >= 1 && /Store the value/.test(promptOf(body)),
    );
    for (const body of recovered) {
      expect(outputsOf(body)[0]).toMatch(/^\[tool_error\] true\n/);
      expect(outputsOf(body)[0]).toMatch(/kv_set/);
    }
    checks.expectRecoveredKvSet(store, jobId);
  });
});
