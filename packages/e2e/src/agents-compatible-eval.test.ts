import type { TraceStep } from '@hud/protocol';
import type { FakeProvider, FakeTurn } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import {
  CODING_FIX,
  LETTER_COUNT,
  MCP_TOOLS,
  readRunLines,
  readTraceSteps,
} from './support/eval-harness.js';
import { cleanUpModelRuns, evalModel, fakeModel } from './support/model-agents.js';
import * as checks from './support/model-checks.js';
import * as scripted from './support/model-scripts.js';
import { expectSummary } from './support/run-hud.js';

// The `openai_compatible` agent end to end: `hud eval … openai_compatible` in a child process, the official
// `openai` SDK posting Chat Completions to a scripted fake server on 127.0.0.1 (as it would to vLLM, Ollama
// or OpenRouter), real capabilities: the OpenCode-style tools in a shell workspace, MCP tools.

const MODEL = 'Qwen/Qwen3-8B';

// biome-ignore lint/suspicious/noExplicitAny: Chat Completions request bodies are arbitrary JSON
type ChatBody = any;

/** The text of the first user message: the task's prompt. */
function promptOf(body: ChatBody): string {
  const first = (body?.messages ?? []).find((message: ChatBody) => message.role === 'user');
  const content = first?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((part: ChatBody) => part.text ?? '').join('');
}

/** How many assistant turns the request's history holds (= the step the model is on). */
function turnOf(body: ChatBody): number {
  return (body?.messages ?? []).filter((message: ChatBody) => message.role === 'assistant').length;
}

/** The `content` of every tool message in the request, in order. */
function toolOutputs(body: ChatBody): string[] {
  return (body?.messages ?? [])
    .filter((message: ChatBody) => message.role === 'tool')
    .map((message: ChatBody) => String(message.content));
}

/** Token counts a scripted turn reports: the n-th call of a run. */
const usage = (n: number) => ({ inputTokens: 100 + n, outputTokens: 7, cachedTokens: 40 });

cleanUpModelRuns();

/** `hud eval <source> openai_compatible --all` with a scratch store, HOME and cwd, and no provider keys but `settings`. */
const evalCompatible = (source: string, args: string[], settings: Record<string, string> = {}) =>
  evalModel('openai_compatible', source, ['--all', ...args], { env: settings });

/** The settings that point the agent at `fake` (`OPENAI_COMPATIBLE_BASE_URL` + key). */
const settingsFor = (fake: FakeProvider) => ({
  OPENAI_COMPATIBLE_BASE_URL: `${fake.url}/v1`,
  OPENAI_COMPATIBLE_API_KEY: 'test',
});

function agentSteps(steps: readonly TraceStep[]): TraceStep[] {
  return steps.filter((step) => step.source === 'agent');
}

describe('hud eval with openai_compatible against a fake Chat Completions server', () => {
  it('letter-count from OPENAI_COMPATIBLE_* settings: --model, -c settings and the system prompt reach the request; a 429 is retried; graded 1.0 with usage in the trace', async () => {
    const fake = await fakeModel(
      scripted.rateLimitedLetterCount(promptOf, scripted.SLOW_DOWN, () => ({ usage: usage(0) })),
    );
    const { run, store, jobId } = await evalCompatible(
      LETTER_COUNT,
      [
        '--model',
        MODEL,
        '-c',
        'temperature=0.1',
        '-c',
        'max_tokens=64',
        '-c',
        'system_prompt=Answer with digits only.',
      ],
      settingsFor(fake),
    );
    expectSummary(run, /reward 1\.000 over 3 graded runs/);

    const requests = fake.requestsFor('openai-chat');
    expect(requests).toHaveLength(6);
    for (const request of requests) {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe('Bearer test');
      const body = request.body as ChatBody;
      expect(body).toMatchObject({ model: MODEL, temperature: 0.1, max_tokens: 64 });
      expect(body.messages[0]).toEqual({ role: 'system', content: 'Answer with digits only.' });
      expect(body.messages[1]).toEqual({
        role: 'user',
        content: expect.stringMatching(/^How many/),
      });
      // No capabilities: no tools, no tool_choice; loop settings are not sent.
      expect(body.tools).toBeUndefined();
      expect(body.tool_choice).toBeUndefined();
      expect(body.system_prompt).toBeUndefined();
    }

    const tokens = { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 40 };
    checks.expectOneCallPerRun(store, jobId, {
      runs: 3,
      usage: tokens,
      step: { model: MODEL, finish_reason: 'stop', usage: tokens },
    });
  });

  it('letter-count with -c base_url/api_key; without --model it refuses to send the default model to that server', async () => {
    const fake = await fakeModel((body: ChatBody) => ({
      text: '3',
      model: `${body.model}-served`,
    }));
    const base = ['-c', `base_url=${fake.url}/v1`, '-c', 'api_key=explicit-key'];
    const { run, store, jobId } = await evalCompatible(LETTER_COUNT, [
      '--model',
      'llama3.2',
      ...base,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const requests = fake.requestsFor('openai-chat');
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request.headers.authorization).toBe('Bearer explicit-key');
      expect((request.body as ChatBody).model).toBe('llama3.2');
      expect((request.body as ChatBody).base_url).toBeUndefined();
    }
    for (const record of readRunLines(store, jobId)) {
      // The model the server names is the one recorded.
      expect(agentSteps(readTraceSteps(store, jobId, record.trace_id))[0]?.model).toBe(
        'llama3.2-served',
      );
    }

    // Without --model: every run ends in an agent error naming the fix, and nothing is sent.
    const refused = await evalCompatible(LETTER_COUNT, base);
    expect(refused.run.code, refused.run.stderr).toBe(0);
    const failed = readRunLines(refused.store, refused.jobId);
    expect(failed).toHaveLength(3);
    for (const record of failed) {
      expect(record).toMatchObject({
        status: 'error',
        reward: 0,
        error: expect.stringMatching(
          /openai_compatible: no model given for http:\/\/127\.0\.0\.1:\d+\/v1; pass --model/,
        ),
      });
    }
    expect(fake.requestsFor('openai-chat')).toHaveLength(3);
  });

  it('coding-fix: bash, glob, grep, read, edit and write run for real in the workspace; graded 1.0, every step with usage', async () => {
    const script: FakeTurn[] = [
      {
        text: 'Let me run the tests first.',
        toolCalls: [{ name: 'bash', arguments: { command: 'node --test', description: 'tests' } }],
      },
      // Two calls in one turn: two tool messages follow the assistant message, in order.
      {
        toolCalls: [
          { name: 'glob', arguments: { pattern: '*.js' } },
          { name: 'grep', arguments: { pattern: 'values\\.length - 1', include: '*.js' } },
        ],
      },
      { toolCalls: [{ name: 'read', arguments: { filePath: 'src/sum.js', offset: 6, limit: 5 } }] },
      {
        reasoning: 'The loop stops one short of the last value.',
        toolCalls: [
          {
            name: 'edit',
            arguments: {
              filePath: 'src/sum.js',
              oldString: 'index < values.length - 1',
              newString: 'index < values.length',
            },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: 'write',
            arguments: { filePath: 'notes/FIX.md', content: 'off-by-one in sum()\n' },
          },
        ],
      },
      {
        toolCalls: [
          { name: 'bash', arguments: { command: 'node --test', timeout: 60_000, workdir: '.' } },
        ],
      },
      { text: 'Fixed the off-by-one in sum(): the loop now includes the last value.' },
    ];
    const fake = await fakeModel((body) => scripted.step(script, turnOf(body), usage));
    const { run, store, jobId } = await evalCompatible(
      CODING_FIX,
      ['--model', MODEL],
      settingsFor(fake),
    );
    expectSummary(run, /reward 1\.000 over 1 graded run/);

    const bodies = fake.bodiesFor('openai-chat') as ChatBody[];
    expect(bodies).toHaveLength(7);
    // The tools the model was offered: the OpenCode set, as function tools.
    const tools = bodies[0].tools;
    expect(tools.map((tool: ChatBody) => [tool.type, tool.function.name])).toEqual([
      ['function', 'bash'],
      ['function', 'read'],
      ['function', 'glob'],
      ['function', 'grep'],
      ['function', 'edit'],
      ['function', 'write'],
    ]);
    expect(tools[1].function.parameters).toMatchObject({
      type: 'object',
      properties: { filePath: { type: 'string' }, offset: { type: 'integer' } },
      required: ['filePath'],
    });
    expect(bodies[0].tool_choice).toBe('auto');

    // What the real tools answered, as the model saw it on the last call.
    const outputs = toolOutputs(bodies[6]);
    expect(outputs).toHaveLength(7);
    expect(outputs[0]).toMatch(/^Error: \$ node --test\n[\s\S]*\(exit 1\)$/);
    expect(outputs[1]).toMatch(/\/src\/sum\.js$/m);
    expect(outputs[1]).toMatch(/\/test\.js$/m);
    expect(outputs[2]).toMatch(
      /^Found 1 matches\n.*\/src\/sum\.js:\n {2}Line 8: .*index < values\.length - 1/,
    );
    expect(outputs[3]).toMatch(
      /<type>file<\/type>\n<content>\n6: export function sum\(values\) \{\n7: /,
    );
    expect(outputs[3]).toMatch(
      /\n10: {3}\}\n\n\(Showing lines 6-10 of 12\. Use offset=11 to continue\.\)\n<\/content>$/,
    );
    expect(outputs[4]).toMatch(
      /^Edit applied successfully: replaced 1 occurrence in .*\/src\/sum\.js\.$/,
    );
    expect(outputs[5]).toMatch(
      /^Wrote file successfully\. Created .*\/notes\/FIX\.md \(20 bytes\)\.$/,
    );
    expect(outputs[6]).toMatch(/^\$ node --test\n[\s\S]*\(exit 0\)$/);
    // The turn with two calls: its assistant message carries both, the tool messages follow in order.
    const history = bodies[6].messages;
    const both = history.find((message: ChatBody) => message.tool_calls?.length === 2);
    const at = history.indexOf(both);
    expect(history.slice(at + 1, at + 3).map((message: ChatBody) => message.tool_call_id)).toEqual(
      both.tool_calls.map((call: ChatBody) => call.id),
    );
    // Reasoning went back with the history.
    expect(history.find((message: ChatBody) => message.reasoning_content)?.reasoning_content).toBe(
      'The loop stops one short of the last value.',
    );

    const toolSteps = checks.expectCodingFixRun(store, jobId, {
      record: {
        reward: 1,
        answer: 'Fixed the off-by-one in sum(): the loop now includes the last value.',
        usage: {
          prompt_tokens: 100 + 101 + 102 + 103 + 104 + 105 + 106,
          completion_tokens: 49,
          cached_tokens: 280,
          llm_call_count: 7,
        },
      },
      calls: 7,
      usage: (n) => ({ prompt_tokens: 100 + n, completion_tokens: 7, cached_tokens: 40 }),
      model: MODEL,
      reasoning: { at: 3, text: 'The loop stops one short of the last value.' },
      tools: ['bash', 'glob', 'grep', 'read', 'edit', 'write', 'bash'],
    });
    expect(toolSteps.map((step) => step.result?.isError)).toEqual([true, ...Array(6).fill(false)]);
  });

  it('mcp-tools: MCP tools reach the provider as function tools with sanitized schemas; a malformed call is recovered', async () => {
    const fake = await fakeModel((body) =>
      scripted.mcpTools(promptOf(body), turnOf(body), toolOutputs(body), usage),
    );
    const { run, store, jobId } = await evalCompatible(MCP_TOOLS, [
      '--model',
      MODEL,
      '-c',
      `base_url=${fake.url}/v1`,
      '-c',
      'api_key=test',
    ]);
    expectSummary(run, /reward 1\.000 over 3 graded runs/);

    // The MCP tools as the provider received them: plain function tools, schemas without
    // additionalProperties, minLength or $schema.
    const bodies = fake.bodiesFor('openai-chat') as ChatBody[];
    expect(bodies[0].tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'kv_set',
          description: checks.KV_SET.description,
          parameters: checks.KV_SET.schema,
        },
      },
      {
        type: 'function',
        function: {
          name: 'kv_get',
          description: 'Read the value stored under a key.',
          parameters: {
            type: 'object',
            properties: { key: { type: 'string' } },
            required: ['key'],
          },
        },
      },
      {
        type: 'function',
        function: {
          name: 'kv_list',
          description: 'List every key in the store, sorted, one per line.',
          parameters: { type: 'object', properties: {} },
        },
      },
    ]);

    // The malformed call was answered with an error and replayed as {}, and the run went on.
    const recovered = bodies.filter(
      (body) => turnOf(body) >= 1 && /Store the value/.test(promptOf(body)),
    );
    expect(recovered.length).toBeGreaterThan(0);
    for (const body of recovered) {
      expect(toolOutputs(body)[0]).toMatch(/^Error: the arguments for this 'kv_set' call arrived/);
      const first = body.messages.find((message: ChatBody) => message.tool_calls);
      expect(first.tool_calls[0].function).toEqual({ name: 'kv_set', arguments: '{}' });
    }
    const steps = checks.expectRecoveredKvSet(store, jobId);
    for (const step of agentSteps(steps)) expect(step.usage?.llm_call_count).toBe(1);
  });
});
