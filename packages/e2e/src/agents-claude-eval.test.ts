import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type FakeTurn, startFakeProvider } from '@hud/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { jobIdOf, readRunLines, readTraceSteps } from './support/eval-harness.js';
import {
  lastToolResults,
  type MessagesBody,
  modelScratch,
  promptOf,
  removeModelScratch,
  resultText,
  runClaude,
  turnOf,
} from './support/model-agents.js';
import { REPO_ROOT } from './support/served-env.js';

// `hud eval … claude` through the real CLI against the fake Anthropic API: the official SDK in the CLI
// process talks to a scripted model that reads each request, so every tool runs for real on the example's
// capabilities (ssh workspace, MCP server, Chromium, an X screen) and the grade is the example's own.

const example = (name: string) => path.join(REPO_ROOT, 'examples', name, 'tasks.ts');

afterAll(removeModelScratch);

describe('hud eval with claude on the examples', () => {
  it('letter-count: answers every task from its prompt; the trace holds each step with usage', async () => {
    await using fake = await startFakeProvider({
      handler: (body) => {
        const [, letter, word] = /How many '(.)'s are in '([^']+)'/.exec(promptOf(body)) ?? [];
        const count = [...(word ?? '')].filter((char) => char === letter).length;
        return { text: String(count), usage: { inputTokens: 120, outputTokens: 4 } };
      },
    });
    const store = modelScratch('store');
    const run = await runClaude(fake.url, [
      'eval',
      example('letter-count'),
      'claude',
      '--all',
      '--store',
      store,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/with claude \(claude-sonnet-4-6\)/);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    const requests = fake.requestsFor('anthropic-messages');
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request.headers.authorization ?? request.headers['x-api-key']).toMatch(/test/);
      expect((request.body as MessagesBody).tools).toBeUndefined();
    }

    const jobId = jobIdOf(run.stdout);
    const runs = readRunLines(store, jobId);
    expect(runs).toHaveLength(3);
    for (const record of runs) {
      expect(record).toMatchObject({ reward: 1, stop_reason: 'done', status: 'completed' });
      expect(record.usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 4 });
      const steps = readTraceSteps(store, jobId, record.trace_id);
      const agentSteps = steps.filter((step) => step.source === 'agent');
      expect(agentSteps).toHaveLength(1);
      expect(agentSteps[0]).toMatchObject({
        content: record.answer,
        done: true,
        finish_reason: 'end_turn',
        model: 'claude-sonnet-4-6',
        usage: { prompt_tokens: 120, completion_tokens: 4, cached_tokens: 0, llm_call_count: 1 },
      });
      expect(agentSteps[0]?.usage?.cost_usd).toBeCloseTo((120 * 3 + 4 * 15) / 1e6, 12);
    }
    const trace = await runClaude(fake.url, [
      'trace',
      runs[0]?.trace_id as string,
      '--json',
      '--store',
      store,
    ]);
    expect(trace.code, trace.stderr).toBe(0);
    const traced = trace.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
    expect(traced.find((step) => step.source === 'agent')).toMatchObject({
      usage: { prompt_tokens: 120, completion_tokens: 4 },
    });
  });

  it('coding-fix: real bash and str_replace_based_edit_tool calls fix the workspace (graded 1.0)', async () => {
    const script = (cwd: string): FakeTurn[] => [
      {
        text: 'Running the tests.',
        toolCalls: [{ name: 'bash', arguments: { command: `cd ${cwd} && node --test` } }],
      },
      {
        toolCalls: [
          {
            name: 'str_replace_based_edit_tool',
            arguments: { command: 'view', path: `${cwd}/src/sum.js` },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: 'str_replace_based_edit_tool',
            arguments: {
              command: 'str_replace',
              path: `${cwd}/src/sum.js`,
              old_str: 'index < values.length - 1',
              new_str: 'index < values.length',
            },
          },
        ],
      },
      { toolCalls: [{ name: 'bash', arguments: { command: `cd ${cwd} && node --test` } }] },
      { text: 'Fixed the off-by-one in sum(): the loop now visits the last value.' },
    ];
    await using fake = await startFakeProvider({
      handler: (body) => {
        const cwd = /workspace \(([^,]+),/.exec(promptOf(body))?.[1] ?? '/workspace';
        return script(cwd)[turnOf(body)] ?? { text: 'lost' };
      },
    });
    const store = modelScratch('store');
    const run = await runClaude(fake.url, [
      'eval',
      example('coding-fix'),
      'claude',
      '--store',
      store,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 1 graded run/);

    const bodies = fake.bodiesFor('anthropic-messages') as MessagesBody[];
    expect(bodies).toHaveLength(5);
    expect(bodies[0].tools).toEqual([
      { type: 'bash_20250124', name: 'bash' },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
    ]);
    expect(bodies[0].tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    const [failing] = lastToolResults(bodies[1]);
    expect(failing.is_error).toBe(true);
    expect(resultText(failing)).toMatch(/# fail [1-9]/);
    const [viewed] = lastToolResults(bodies[2]);
    expect(resultText(viewed)).toMatch(/index < values\.length - 1/);
    const [replaced] = lastToolResults(bodies[3]);
    expect(replaced.is_error).toBeUndefined();
    const [passing] = lastToolResults(bodies[4]);
    expect(resultText(passing)).toMatch(/# fail 0[\s\S]*\(exit 0\)/);

    const [record] = readRunLines(store, jobIdOf(run.stdout));
    const steps = readTraceSteps(store, jobIdOf(run.stdout), record?.trace_id as string);
    expect(steps.filter((step) => step.source === 'agent')).toHaveLength(5);
    const toolSteps = steps.filter((step) => step.source === 'tool');
    expect(toolSteps.map((step) => step.call?.name)).toEqual([
      'bash',
      'str_replace_based_edit_tool',
      'str_replace_based_edit_tool',
      'bash',
    ]);
    expect(toolSteps.map((step) => step.result?.isError)).toEqual([true, false, false, false]);
  });

  it('mcp-tools: the MCP tools reach Claude as custom tools with their schemas and run for real', async () => {
    await using fake = await startFakeProvider({
      handler: (body): FakeTurn => {
        const prompt = promptOf(body);
        const turn = turnOf(body);
        const previous = resultText(lastToolResults(body)[0]);
        const store =
          /Store the value (".*?") under the key (".*?")\. Then look up the key (".*?")/.exec(
            prompt,
          );
        if (store) {
          const [value, key, lookup] = store.slice(1).map((part) => JSON.parse(part as string));
          if (turn === 0) return { toolCalls: [{ name: 'kv_set', arguments: { key, value } }] };
          if (turn === 1) return { toolCalls: [{ name: 'kv_get', arguments: { key: lookup } }] };
          return { text: previous };
        }
        const prefix = JSON.parse(/start with (".*?")/.exec(prompt)?.[1] ?? '""');
        if (turn === 0) return { toolCalls: [{ name: 'kv_list', arguments: {} }] };
        return {
          text: String(previous.split('\n').filter((key) => key.startsWith(prefix)).length),
        };
      },
    });
    const store = modelScratch('store');
    const run = await runClaude(fake.url, [
      'eval',
      example('mcp-tools'),
      'claude',
      '--all',
      '--store',
      store,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    const first = fake.bodiesFor('anthropic-messages')[0] as MessagesBody;
    expect(first.tools.map((tool: MessagesBody) => tool.name).sort()).toEqual([
      'kv_get',
      'kv_list',
      'kv_set',
    ]);
    const kvSet = first.tools.find((tool: MessagesBody) => tool.name === 'kv_set');
    expect(kvSet).toMatchObject({
      description: 'Store a string value under a key, replacing any previous value.',
      input_schema: {
        type: 'object',
        properties: { key: { type: 'string' }, value: { type: 'string' } },
      },
    });
    expect(kvSet.type).toBeUndefined();
  });

  it('browser-lookup: the browser tools reach Claude as custom tools and drive real Chromium', async () => {
    await using fake = await startFakeProvider({
      handler: (body): FakeTurn => {
        const prompt = promptOf(body);
        const site = /open (\S+) and/.exec(prompt)?.[1] ?? '';
        const [, field, lighthouse] =
          /What is the (height|keeper|year)[^?]* of the (.+) lighthouse\?/.exec(prompt) ?? [];
        const column = field === 'year' ? 'first_lit' : field;
        switch (turnOf(body)) {
          case 0:
            return { toolCalls: [{ name: 'navigate', arguments: { url: site } }] };
          case 1:
            return { toolCalls: [{ name: 'click', arguments: { selector: '#registry' } }] };
          case 2:
            return {
              toolCalls: [
                {
                  name: 'read_page',
                  arguments: { selector: `tr[data-name="${lighthouse}"] .${column}` },
                },
              ],
            };
          default: {
            const text = resultText(lastToolResults(body)[0]).trim().split('\n').at(-1) ?? '';
            return { text: text.replace(/ m$/, '') };
          }
        }
      },
    });
    const store = modelScratch('store');
    const run = await runClaude(fake.url, [
      'eval',
      example('browser-lookup'),
      'claude',
      '--all',
      '--store',
      store,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 2 graded runs/);
    const first = fake.bodiesFor('anthropic-messages')[0] as MessagesBody;
    expect(first.tools.map((tool: MessagesBody) => tool.name)).toEqual([
      'navigate',
      'read_page',
      'click',
      'type',
      'screenshot',
    ]);
    expect(first.tools[0]).toMatchObject({
      input_schema: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
    });
  });
});

const missingX = ['Xvfb', 'x11vnc'].filter((tool) => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (missingX.length > 0) {
  console.warn(`skipping the claude computer-use test: ${missingX.join(', ')} not installed`);
}

describe.skipIf(missingX.length > 0)('hud eval with claude on env.screen()', () => {
  it('offers the beta computer tool sized to the framebuffer and returns real screenshots', async () => {
    const dir = modelScratch('screen-env');
    writeFileSync(
      path.join(dir, 'env.ts'),
      `import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
export const env = new Environment({ name: 'screen-claude' });
env.screen({ width: 640, height: 480 });
export const size = env.template({ id: 'size', description: 'Report the screen width.' }, async function* () {
  const answer = yield 'Take a screenshot and reply with the screen width in pixels.';
  yield exactMatch(answer, '640');
});
`,
    );
    writeFileSync(
      path.join(dir, 'tasks.ts'),
      `import { Taskset } from '@hud/eval';
import { size } from './env.js';
export default new Taskset('screen-claude', [size()]);
`,
    );
    await using fake = await startFakeProvider({
      handler: (body): FakeTurn =>
        [
          { toolCalls: [{ name: 'computer', arguments: { action: 'screenshot' } }] },
          {
            toolCalls: [
              { name: 'computer', arguments: { action: 'left_click', coordinate: [10, 12] } },
            ],
          },
          { text: '640' },
        ][turnOf(body)] as FakeTurn,
    });
    const store = modelScratch('store');
    const run = await runClaude(fake.url, [
      'eval',
      path.join(dir, 'tasks.ts'),
      'claude',
      '--store',
      store,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/reward 1\.000 over 1 graded run/);
    const requests = fake.requestsFor('anthropic-messages');
    expect(requests).toHaveLength(3);
    expect(requests[0]?.headers['anthropic-beta']).toMatch(/computer-use-2025-11-24/);
    expect((requests[0]?.body as MessagesBody | undefined)?.tools).toEqual([
      {
        type: 'computer_20251124',
        name: 'computer',
        display_width_px: 640,
        display_height_px: 480,
      },
    ]);
    const [shot] = lastToolResults(requests[1]?.body);
    const image = shot.content.find((part: MessagesBody) => part.type === 'image');
    expect(image.source).toMatchObject({ type: 'base64', media_type: 'image/png' });
    expect(Buffer.from(image.source.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const [click] = lastToolResults(requests[2]?.body);
    expect(resultText(click)).toBe('click at (10, 12)');
  });
});
