import path from 'node:path';
import type { TraceStep } from '@hud/protocol';
import { type FakeProvider, type FakeTurn, startFakeProvider } from '@hud/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  jobIdOf,
  LETTER_COUNT,
  readRunLines,
  readTraceSteps,
  removeScratch,
  scratchDir,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';
import { REPO_ROOT } from './support/served-env.js';

// The `openai` agent end to end: `hud eval … openai` in a child process, the official `openai` SDK talking
// to a scripted fake Responses server on 127.0.0.1, real capabilities (a shell workspace, MCP tools).

const CODING_FIX = path.join(REPO_ROOT, 'examples/coding-fix/tasks.ts');
const MCP_TOOLS = path.join(REPO_ROOT, 'examples/mcp-tools/tasks.ts');

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

const fakes: FakeProvider[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});
afterAll(removeScratch);

async function fakeOpenAI(handler: (body: unknown) => FakeTurn): Promise<FakeProvider> {
  const fake = await startFakeProvider({ handler });
  fakes.push(fake);
  return fake;
}

/** `hud eval <source> openai --all` against `fake`, with a scratch store. */
async function evalOpenAI(fake: FakeProvider, source: string, extra: string[] = []) {
  const store = scratchDir('openai');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENAI_API_KEY: 'test',
    OPENAI_BASE_URL: `${fake.url}/v1`,
  };
  delete env.HUD_API_KEY;
  const run = await runHud(['eval', source, 'openai', '--all', '--store', store, ...extra], {
    env,
    timeoutMs: 150_000,
  });
  return { run, store };
}

function traceOf(store: string, jobId: string, traceId: string): TraceStep[] {
  return readTraceSteps(store, jobId, traceId);
}

describe('hud eval with the openai agent against a fake Responses server', () => {
  it('letter-count: a rate-limited call retried, every task answered, graded 1.0, usage and cost in the trace; -c and --model reach the request', async () => {
    const limited = new Set<string>();
    const fake = await fakeOpenAI((body) => {
      const match = /How many '(.)'s are in '(\w+)'/.exec(promptOf(body));
      if (!match) return { status: 400, message: `unexpected prompt: ${promptOf(body)}` };
      // The first call of each run is rate-limited: the loop retries after the server's hint.
      if (!limited.has(promptOf(body))) {
        limited.add(promptOf(body));
        return { status: 429, headers: { 'retry-after-ms': '10' }, message: 'slow down' };
      }
      const [, letter, word] = match as unknown as [string, string, string];
      return { text: String([...word].filter((char) => char === letter).length), usage: usage(0) };
    });
    const { run, store } = await evalOpenAI(fake, LETTER_COUNT, [
      '--model',
      'gpt-5.2',
      '-c',
      'max_output_tokens=256',
      '-c',
      'reasoning=low',
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);

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

    const jobId = jobIdOf(run.stdout);
    const runs = readRunLines(store, jobId);
    expect(runs.map((record) => record.reward)).toEqual([1, 1, 1]);
    for (const record of runs) {
      expect(record.usage).toMatchObject({
        prompt_tokens: 100,
        completion_tokens: 7,
        cached_tokens: 40,
        llm_call_count: 1,
      });
      const agentSteps = traceOf(store, jobId, record.trace_id).filter(
        (step) => step.source === 'agent',
      );
      expect(agentSteps).toHaveLength(1);
      expect(agentSteps[0]).toMatchObject({
        content: record.answer,
        model: 'gpt-5.2',
        usage: { prompt_tokens: 100, completion_tokens: 7, cached_tokens: 40 },
      });
      // gpt-5.2 is in the price table: $1.75 / $14 per million, cached input $0.175.
      expect(agentSteps[0]?.usage?.cost_usd).toBeCloseTo(
        (60 * 1.75 + 40 * 0.175 + 7 * 14) / 1e6,
        12,
      );
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
    const fake = await fakeOpenAI((body) => {
      const step = outputsOf(body).length;
      const turn = script[step];
      if (!turn) return { status: 400, message: `no scripted step ${step}` };
      return { ...turn, usage: usage(step) };
    });
    const { run, store } = await evalOpenAI(fake, CODING_FIX);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 1 graded run/);

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

    const jobId = jobIdOf(run.stdout);
    const [record] = readRunLines(store, jobId);
    expect(record).toMatchObject({
      reward: 1,
      answer: 'Fixed the off-by-one in sum(): the loop now includes the last value.',
      usage: {
        prompt_tokens: 100 + 101 + 102 + 103 + 104,
        completion_tokens: 35,
        llm_call_count: 5,
      },
    });
    const steps = traceOf(store, jobId, record?.trace_id ?? '');
    const agentSteps = steps.filter((step) => step.source === 'agent');
    expect(agentSteps).toHaveLength(5);
    agentSteps.forEach((step, n) => {
      expect(step.usage).toMatchObject({
        prompt_tokens: 100 + n,
        completion_tokens: 7,
        cached_tokens: 40,
      });
    });
    expect(agentSteps[2]?.reasoning).toBe('The loop stops one short of the last value.');
    const toolSteps = steps.filter((step) => step.call !== undefined);
    expect(toolSteps.map((step) => step.call?.name)).toEqual(['bash', 'editor', 'editor', 'bash']);
    // The nulls of unused optional properties never reach the tools.
    expect(toolSteps[0]?.call?.arguments).toEqual({ command: 'node --test' });
    expect(toolSteps[3]?.result?.isError).not.toBe(true);
  });

  it('mcp-tools: MCP tools reach the provider as function tools; a malformed call is recovered', async () => {
    const fake = await fakeOpenAI((body) => {
      const prompt = promptOf(body);
      const outputs = outputsOf(body);
      const n = outputs.length;
      const store =
        /Store the value "(.+)" under the key "(.+)"\. Then look up the key "(.+)"/.exec(prompt);
      if (store) {
        const [, value, key, lookup] = store as unknown as [string, string, string, string];
        const turns: FakeTurn[] = [
          // Cut off mid-arguments: the loop answers with an error result asking for the call again.
          { toolCalls: [{ name: 'kv_set', arguments: `{"key": ${JSON.stringify(key)}, "val` }] },
          { toolCalls: [{ name: 'kv_set', arguments: { key, value } }] },
          { toolCalls: [{ name: 'kv_get', arguments: { key: lookup } }] },
          { text: outputs[2] ?? '' },
        ];
        return { ...(turns[n] ?? { status: 400, message: `step ${n}` }), usage: usage(n) };
      }
      const count = /count the keys that start with "(.+)"/.exec(prompt);
      if (count) {
        const prefix = count[1] as string;
        if (n === 0) return { toolCalls: [{ name: 'kv_list', arguments: {} }], usage: usage(0) };
        const keys = (outputs[0] ?? '').split('\n').filter((key) => key.startsWith(prefix));
        return { text: String(keys.length), usage: usage(1) };
      }
      return { status: 400, message: `unexpected prompt: ${prompt}` };
    });
    const { run, store } = await evalOpenAI(fake, MCP_TOOLS);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);

    // The MCP tools as the provider received them.
    const bodies = fake.bodiesFor('openai-responses');
    const tools = (bodies[0] as { tools: Record<string, unknown>[] }).tools;
    expect(tools.map((tool) => tool.name)).toEqual(['kv_set', 'kv_get', 'kv_list']);
    expect(tools[0]).toEqual({
      type: 'function',
      name: 'kv_set',
      description: 'Store a string value under a key, replacing any previous value.',
      parameters: {
        type: 'object',
        properties: { key: { type: 'string', description: 'the key' }, value: { type: 'string' } },
        required: ['key', 'value'],
        additionalProperties: false,
      },
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
    const jobId = jobIdOf(run.stdout);
    const runs = readRunLines(store, jobId);
    expect(runs.map((record) => record.reward)).toEqual([1, 1, 1]);
    const storeRun = runs.find((record) => record.slug.includes('store_and_recall')) ?? runs[0];
    const steps = traceOf(store, jobId, storeRun?.trace_id ?? '');
    const toolSteps = steps.filter((step) => step.call !== undefined);
    expect(toolSteps.map((step) => step.call?.name)).toEqual(['kv_set', 'kv_set', 'kv_get']);
    expect(typeof toolSteps[0]?.call?.arguments).toBe('string');
    expect(toolSteps[0]?.result?.isError).toBe(true);
  });
});
