import type { FakeProvider, FakeTurn } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { exampleTasks, readRunLines, readTraceSteps } from './support/eval-harness.js';
import { lacking } from './support/host.js';
import { cleanUpModelRuns, evalModel, fakeModel, writeScreenEnv } from './support/model-agents.js';
import * as checks from './support/model-checks.js';
import * as scripted from './support/model-scripts.js';
import { expectSummary } from './support/run-hud.js';

// `hud eval … gemini` through the real CLI: the official @google/genai SDK in the CLI process talks to the
// fake generateContent route on 127.0.0.1, whose scripted model reads each request, so every tool runs for
// real on the example's capabilities (a shell workspace, an MCP server, an X screen) and the grade is the
// example's own.

const ROUTE = 'gemini-generate-content';

// biome-ignore lint/suspicious/noExplicitAny: generateContent request bodies are arbitrary JSON
type Body = any;

/** The text of the first user turn: the task prompt. */
function promptOf(body: Body): string {
  return (body?.contents?.[0]?.parts ?? [])
    .filter((part: Body) => typeof part.text === 'string')
    .map((part: Body) => part.text)
    .join('\n');
}

/** How many model turns the history holds (= the step the model is on). */
function turnOf(body: Body): number {
  return (body?.contents ?? []).filter((content: Body) => content.role === 'model').length;
}

/** The `functionResponse`s of the request's last turn. */
function lastResponses(body: Body): Body[] {
  return (body?.contents?.at(-1)?.parts ?? [])
    .map((part: Body) => part.functionResponse)
    .filter(Boolean);
}

/** A function response's text: its output, or its error. */
function resultText(response: Body): string {
  const value = response?.response?.output ?? response?.response?.error;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Token counts a scripted turn reports: the n-th call of a run. */
const usage = (n: number) => ({ inputTokens: 200 + n, outputTokens: 9, cachedTokens: 50 });

cleanUpModelRuns();
const noScreen = lacking(['Xvfb', 'x11vnc'], 'the gemini computer-use test');

/** `hud eval <source> gemini --all` with `GEMINI_API_KEY=test GEMINI_BASE_URL=<fake>` and a scratch store. */
const evalGemini = (fake: FakeProvider, source: string, extra: string[] = []) =>
  evalModel('gemini', source, ['--all', ...extra], {
    env: { GEMINI_API_KEY: 'test', GEMINI_BASE_URL: fake.url },
  });

describe('hud eval with gemini against the fake generateContent API', () => {
  it('letter-count: a rate-limited call retried, every task answered and graded 1.0, usage and cost per step; --model and -c reach the request', async () => {
    // The first call of each run is rate-limited; Google says when to come back in a RetryInfo.
    const exhausted: FakeTurn = {
      status: 429,
      body: {
        error: {
          code: 429,
          message: 'Resource has been exhausted',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.05s' }],
        },
      },
    };
    const fake = await fakeModel(
      scripted.rateLimitedLetterCount(promptOf, exhausted, (letter) => ({
        reasoning: `Counting the ${letter}s.`,
        usage: usage(0),
      })),
    );
    const { run, store, jobId } = await evalGemini(fake, exampleTasks('letter-count'), [
      '--model',
      'gemini-2.5-flash',
      '-c',
      'temperature=0.5',
      '-c',
      'max_output_tokens=256',
      '-c',
      'retry_delay_seconds=0.05',
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/with gemini \(gemini-2\.5-flash\)/);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);

    const requests = fake.requestsFor(ROUTE);
    expect(requests).toHaveLength(6);
    for (const request of requests) {
      expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(request.headers['x-goog-api-key']).toBe('test');
      expect(request.body).toMatchObject({
        generationConfig: {
          temperature: 0.5,
          topP: 0.95,
          topK: 40,
          maxOutputTokens: 256,
          thinkingConfig: { includeThoughts: true },
        },
      });
      // No capabilities, no tools.
      expect((request.body as Body).tools).toBeUndefined();
    }

    const tokens = { prompt_tokens: 200, completion_tokens: 9, cached_tokens: 50 };
    const steps = checks.expectOneCallPerRun(store, jobId, {
      runs: 3,
      usage: tokens,
      step: {
        reasoning: expect.stringMatching(/^Counting the rs\.$/),
        done: true,
        finish_reason: 'STOP',
        model: 'gemini-2.5-flash',
        usage: tokens,
      },
    });
    // gemini-2.5-flash: $0.30 / $2.50 per million, cached input $0.03.
    for (const step of steps) {
      expect(step.usage?.cost_usd).toBeCloseTo((150 * 0.3 + 50 * 0.03 + 9 * 2.5) / 1e6, 12);
    }
  });

  it('coding-fix: real run_shell_command, read_file, grep_search, replace and list_directory calls fix the workspace (graded 1.0)', async () => {
    const edit = {
      file_path: 'src/sum.js',
      instruction: 'visit the last value too',
      old_string: 'index < values.length - 1',
      new_string: 'index < values.length',
    };
    const script: FakeTurn[] = [
      {
        toolCalls: [
          {
            name: 'run_shell_command',
            arguments: { command: 'node --test', description: 'run the tests' },
          },
        ],
      },
      { toolCalls: [{ name: 'list_directory', arguments: { dir_path: '.' } }] },
      {
        toolCalls: [
          {
            name: 'grep_search',
            arguments: { pattern: 'values\\.length', include_pattern: '*.js' },
          },
        ],
      },
      { toolCalls: [{ name: 'read_file', arguments: { file_path: 'src/sum.js' } }] },
      {
        reasoning: 'The loop stops one short of the last value.',
        toolCalls: [
          {
            name: 'replace',
            arguments: edit,
          },
        ],
      },
      { toolCalls: [{ name: 'run_shell_command', arguments: { command: 'node --test' } }] },
      { text: 'Fixed the off-by-one in sum(): the loop now includes the last value.' },
    ];
    const fake = await fakeModel((body) => scripted.step(script, turnOf(body), usage));
    const { run, store, jobId } = await evalGemini(fake, exampleTasks('coding-fix'));
    expectSummary(run, /reward 1\.000 over 1 graded run/);

    const bodies = fake.bodiesFor(ROUTE) as Body[];
    expect(bodies).toHaveLength(7);
    // The tools the model was offered: Gemini CLI's, as function declarations.
    const declarations = bodies[0].tools[0].functionDeclarations;
    expect(declarations.map((declaration: Body) => declaration.name)).toEqual([
      'run_shell_command',
      'replace',
      'write_file',
      'read_file',
      'grep_search',
      'glob',
      'list_directory',
    ]);
    expect(declarations[0].parametersJsonSchema).toMatchObject({
      type: 'object',
      properties: { command: { type: 'string' }, dir_path: { type: 'string' } },
      required: ['command'],
    });
    // What the real tools answered, as the model saw it.
    const answered = (step: number) => resultText(lastResponses(bodies[step])[0]);
    expect(lastResponses(bodies[1])[0]).toMatchObject({
      name: 'run_shell_command',
      response: { error: expect.stringMatching(/^\$ node --test\n[\s\S]*\(exit 1\)$/) },
    });
    expect(answered(2)).toMatch(/^Directory listing for \/\S+:\n(\[DIR\] .*\n)*[\s\S]*src/);
    expect(answered(3)).toMatch(/src\/sum\.js:\d+: .*values\.length - 1/);
    expect(answered(4)).toContain('index < values.length - 1');
    expect(answered(5)).toMatch(
      /^Successfully modified file: \/\S+\/src\/sum\.js \(1 replacement, at line \d+\)\.$/,
    );
    expect(lastResponses(bodies[6])[0]).toMatchObject({
      response: { output: expect.stringMatching(/^\$ node --test\n[\s\S]*\(exit 0\)$/) },
    });
    // The model's turns went back unchanged, thought signature included.
    expect(bodies[6].contents[9]).toEqual({
      role: 'model',
      parts: [
        {
          text: 'The loop stops one short of the last value.',
          thought: true,
          thoughtSignature: 'fake-signature-4',
        },
        {
          functionCall: {
            name: 'replace',
            args: edit,
          },
        },
      ],
    });

    const toolSteps = checks.expectCodingFixRun(store, jobId, {
      record: {
        reward: 1,
        stop_reason: 'done',
        answer: 'Fixed the off-by-one in sum(): the loop now includes the last value.',
        usage: { prompt_tokens: 7 * 200 + 21, completion_tokens: 63, llm_call_count: 7 },
      },
      calls: 7,
      usage: (n) => ({ prompt_tokens: 200 + n, completion_tokens: 9, cached_tokens: 50 }),
      model: 'gemini-3-pro-preview',
      reasoning: { at: 4, text: 'The loop stops one short of the last value.' },
      tools: [
        'run_shell_command',
        'list_directory',
        'grep_search',
        'read_file',
        'replace',
        'run_shell_command',
      ],
    });
    expect(toolSteps.map((step) => step.result?.isError)).toEqual([true, ...Array(5).fill(false)]);
    // Gemini sent no call ids: the harness made them up, and the trace pairs calls and results by them.
    for (const step of toolSteps) {
      expect(step.call?.id).toMatch(/^gemini_call_\d+$/);
      expect(step.result?.call_id).toBe(step.call?.id);
    }
  });

  it('mcp-tools: the MCP tools reach Gemini as function declarations and run for real; a malformed call is recovered', async () => {
    const fake = await fakeModel((body) => {
      const prompt = promptOf(body);
      const n = turnOf(body);
      const store =
        /Store the value "(.+)" under the key "(.+)"\. Then look up the key "(.+)"/.exec(prompt);
      if (store) {
        const [, value, key, lookup] = store as unknown as [string, string, string, string];
        // The corrective note the harness added after the malformed call.
        const corrected = /Your last function call \(kv_set\) could not be used/.test(prompt);
        if (n === 0 && !corrected) {
          return {
            toolCalls: [{ name: 'kv_set', arguments: `{"key": ${JSON.stringify(key)}, "val` }],
            usage: usage(0),
          };
        }
        const turns: FakeTurn[] = [
          { toolCalls: [{ id: 'fc_set', name: 'kv_set', arguments: { key, value } }] },
          { toolCalls: [{ id: 'fc_get', name: 'kv_get', arguments: { key: lookup } }] },
          { text: resultText(lastResponses(body)[0]) },
        ];
        return { ...(turns[n] ?? { status: 400, message: `step ${n}` }), usage: usage(n + 1) };
      }
      const count = /count the keys that start with "(.+)"/.exec(prompt);
      if (count) {
        const prefix = count[1] as string;
        if (n === 0) return { toolCalls: [{ name: 'kv_list', arguments: {} }], usage: usage(0) };
        const keys = resultText(lastResponses(body)[0])
          .split('\n')
          .filter((key) => key.startsWith(prefix));
        return { text: String(keys.length), usage: usage(1) };
      }
      return { status: 400, message: `unexpected prompt: ${prompt}` };
    });
    const { run, store, jobId } = await evalGemini(fake, exampleTasks('mcp-tools'));
    expectSummary(run, /reward 1\.000 over 3 graded runs/);

    // The MCP tools as the provider received them: declarations with Gemini's schema subset.
    const bodies = fake.bodiesFor(ROUTE) as Body[];
    for (const body of bodies) {
      expect(body.tools).toHaveLength(1);
      expect(
        body.tools[0].functionDeclarations.map((declaration: Body) => declaration.name),
      ).toEqual(['kv_set', 'kv_get', 'kv_list']);
    }
    const [kvSet, kvGet, kvList] = bodies[0].tools[0].functionDeclarations;
    expect(kvSet).toEqual({
      name: 'kv_set',
      description: checks.KV_SET.description,
      parametersJsonSchema: checks.KV_SET.schema,
    });
    expect(kvGet.parametersJsonSchema).toEqual({
      type: 'object',
      properties: { key: { type: 'string' } },
      required: ['key'],
    });
    expect(kvList).toMatchObject({
      name: 'kv_list',
      parametersJsonSchema: { type: 'object', properties: {} },
    });

    const steps = checks.expectRecoveredKvSet(store, jobId);
    const agentSteps = steps.filter((step) => step.source === 'agent');
    expect(agentSteps[0]).toMatchObject({ finish_reason: 'MALFORMED_FUNCTION_CALL', done: false });
    const toolSteps = steps.filter((step) => step.call !== undefined);
    // The model's own call ids go back with the results.
    expect(toolSteps.slice(1).map((step) => step.call?.id)).toEqual(['fc_set', 'fc_get']);
    expect(toolSteps[1]?.result?.isError).toBe(false);
    const lastStoreBody = bodies.filter(
      (body: Body) => /Store the value/.test(promptOf(body)) && turnOf(body) === 2,
    )[0];
    expect(lastResponses(lastStoreBody)[0]).toMatchObject({ id: 'fc_get', name: 'kv_get' });
  });
});

describe.skipIf(noScreen)('hud eval with gemini on env.screen()', () => {
  it('offers Gemini computer use, turns its 0-999 grid into pixels, sends real screenshots and keeps only the last 3', async () => {
    const tasks = writeScreenEnv(
      'screen-gemini',
      'Take a look at the screen and reply with its width in pixels.',
    );
    const script: FakeTurn[] = [
      { toolCalls: [{ name: 'open_web_browser', arguments: {} }] },
      { toolCalls: [{ name: 'click_at', arguments: { x: 500, y: 500 } }] },
      { toolCalls: [{ name: 'hover_at', arguments: { x: 999, y: 0 } }] },
      {
        toolCalls: [
          { name: 'scroll_at', arguments: { x: 250, y: 750, direction: 'down', magnitude: 500 } },
        ],
      },
      { toolCalls: [{ name: 'key_combination', arguments: { keys: 'control+a' } }] },
      { text: '640' },
    ];
    const fake = await fakeModel(
      (body) => script[turnOf(body)] ?? { status: 400, message: 'too many steps' },
    );
    const { run, store, jobId } = await evalGemini(fake, tasks, [
      '-c',
      'excluded_predefined_functions=drag_and_drop',
    ]);
    expectSummary(run, /reward 1\.000 over 1 graded run/);

    const bodies = fake.bodiesFor(ROUTE) as Body[];
    expect(bodies).toHaveLength(6);
    expect(bodies[0].tools).toEqual([
      {
        computerUse: {
          environment: 'ENVIRONMENT_BROWSER',
          excludedPredefinedFunctions: ['drag_and_drop'],
        },
      },
    ]);
    const results = (bodies[5].contents as Body[])
      .filter((content) => content.role === 'user')
      .slice(1)
      .map((content) => content.parts[0].functionResponse);
    expect(results.map((result) => [result.name, result.response.output])).toEqual([
      ['open_web_browser', 'screenshot'],
      ['click_at', 'click at (320, 240)'],
      ['hover_at', 'moved the pointer to (639, 0)'],
      ['scroll_at', 'scrolled down by 2 wheel clicks at (160, 360)'],
      ['key_combination', 'pressed control+a'],
    ]);
    // Real PNG screenshots, only for the last 3 screenshot turns.
    expect(results.map((result) => result.parts?.length ?? 0)).toEqual([0, 0, 1, 1, 1]);
    const shot = results[4].parts[0].inlineData;
    expect(shot.mimeType).toBe('image/png');
    expect(Buffer.from(shot.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
    // The request before still had the second click's screenshot: pruning only drops older turns.
    const earlier = (bodies[3].contents as Body[])
      .filter((content) => content.role === 'user')
      .slice(1);
    expect(earlier.map((content) => content.parts[0].functionResponse.parts?.length ?? 0)).toEqual([
      1, 1, 1,
    ]);

    const [record] = readRunLines(store, jobId);
    const toolSteps = readTraceSteps(store, jobId, record?.trace_id ?? '').filter(
      (step) => step.call !== undefined,
    );
    expect(toolSteps.map((step) => [step.call?.name, step.call?.arguments])).toEqual([
      ['open_web_browser', {}],
      ['click_at', { x: 500, y: 500 }],
      ['hover_at', { x: 999, y: 0 }],
      ['scroll_at', { x: 250, y: 750, direction: 'down', magnitude: 500 }],
      ['key_combination', { keys: 'control+a' }],
    ]);
  });
});
