import type { FakeTurn } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import * as anthropic from './support/anthropic-messages.js';
import { exampleTasks, readRunLines, readTraceSteps } from './support/eval-harness.js';
import { lacking } from './support/host.js';
import {
  cleanUpModelRuns,
  evalClaude,
  fakeModel,
  runClaude,
  writeScreenEnv,
} from './support/model-agents.js';
import { letterCountOf } from './support/model-scripts.js';
import { expectSummary } from './support/run-hud.js';

// `hud eval … claude` through the real CLI against the fake Anthropic API: the official SDK in the CLI
// process talks to a scripted model that reads each request, so every tool runs for real on the example's
// capabilities (ssh workspace, MCP server, Chromium, an X screen) and the grade is the example's own.

cleanUpModelRuns();
const noScreen = lacking(['Xvfb', 'x11vnc'], 'the claude computer-use test');

describe('hud eval with claude on the examples', () => {
  it('letter-count: answers every task from its prompt; the trace holds each step with usage', async () => {
    const fake = await fakeModel((body) => ({
      text: letterCountOf(anthropic.promptOf(body))?.answer ?? '0',
      usage: { inputTokens: 120, outputTokens: 4 },
    }));
    const { run, store, jobId } = await evalClaude(fake, exampleTasks('letter-count'), ['--all']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/with claude \(claude-sonnet-4-6\)/);
    expect(run.stdout).toMatch(/reward 1\.000 over 3 graded runs/);
    const requests = fake.requestsFor('anthropic-messages');
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request.headers.authorization ?? request.headers['x-api-key']).toMatch(/test/);
      expect((request.body as anthropic.MessagesBody).tools).toBeUndefined();
    }

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
    const fake = await fakeModel((body) => {
      const cwd = /workspace \(([^,]+),/.exec(anthropic.promptOf(body))?.[1] ?? '/workspace';
      return script(cwd)[anthropic.turnOf(body)] ?? { text: 'lost' };
    });
    const { run, store, jobId } = await evalClaude(fake, exampleTasks('coding-fix'));
    expectSummary(run, /reward 1\.000 over 1 graded run/);

    const bodies = fake.bodiesFor('anthropic-messages') as anthropic.MessagesBody[];
    expect(bodies).toHaveLength(5);
    expect(bodies[0].tools).toEqual([
      { type: 'bash_20250124', name: 'bash' },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
    ]);
    expect(bodies[0].tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    const [failing] = anthropic.lastToolResults(bodies[1]);
    expect(failing.is_error).toBe(true);
    expect(anthropic.resultText(failing)).toMatch(/# fail [1-9]/);
    const [viewed] = anthropic.lastToolResults(bodies[2]);
    expect(anthropic.resultText(viewed)).toMatch(/index < values\.length - 1/);
    const [replaced] = anthropic.lastToolResults(bodies[3]);
    expect(replaced.is_error).toBeUndefined();
    const [passing] = anthropic.lastToolResults(bodies[4]);
    expect(anthropic.resultText(passing)).toMatch(/# fail 0[\s\S]*\(exit 0\)/);

    const [record] = readRunLines(store, jobId);
    const steps = readTraceSteps(store, jobId, record?.trace_id as string);
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
    const fake = await fakeModel((body): FakeTurn => {
      const prompt = anthropic.promptOf(body);
      const turn = anthropic.turnOf(body);
      const previous = anthropic.resultText(anthropic.lastToolResults(body)[0]);
      const store =
        /Store the value (".*?") under the key (".*?")\. Then look up the key (".*?")/.exec(prompt);
      if (store) {
        const [value, key, lookup] = store.slice(1).map((part) => JSON.parse(part as string));
        if (turn === 0) return { toolCalls: [{ name: 'kv_set', arguments: { key, value } }] };
        if (turn === 1) return { toolCalls: [{ name: 'kv_get', arguments: { key: lookup } }] };
        return { text: previous };
      }
      const prefix = JSON.parse(/start with (".*?")/.exec(prompt)?.[1] ?? '""');
      if (turn === 0) return { toolCalls: [{ name: 'kv_list', arguments: {} }] };
      return { text: String(previous.split('\n').filter((key) => key.startsWith(prefix)).length) };
    });
    const { run } = await evalClaude(fake, exampleTasks('mcp-tools'), ['--all']);
    expectSummary(run, /reward 1\.000 over 3 graded runs/);
    const first = fake.bodiesFor('anthropic-messages')[0] as anthropic.MessagesBody;
    expect(first.tools.map((tool: anthropic.MessagesBody) => tool.name).sort()).toEqual([
      'kv_get',
      'kv_list',
      'kv_set',
    ]);
    const kvSet = first.tools.find((tool: anthropic.MessagesBody) => tool.name === 'kv_set');
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
    const fake = await fakeModel((body): FakeTurn => {
      const prompt = anthropic.promptOf(body);
      const site = /open (\S+) and/.exec(prompt)?.[1] ?? '';
      const [, field, lighthouse] =
        /What is the (height|keeper|year)[^?]* of the (.+) lighthouse\?/.exec(prompt) ?? [];
      const column = field === 'year' ? 'first_lit' : field;
      switch (anthropic.turnOf(body)) {
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
          const text =
            anthropic.resultText(anthropic.lastToolResults(body)[0]).trim().split('\n').at(-1) ??
            '';
          return { text: text.replace(/ m$/, '') };
        }
      }
    });
    const { run } = await evalClaude(fake, exampleTasks('browser-lookup'), ['--all']);
    expectSummary(run, /reward 1\.000 over 2 graded runs/);
    const first = fake.bodiesFor('anthropic-messages')[0] as anthropic.MessagesBody;
    expect(first.tools.map((tool: anthropic.MessagesBody) => tool.name)).toEqual([
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

describe.skipIf(noScreen)('hud eval with claude on env.screen()', () => {
  it('offers the beta computer tool sized to the framebuffer and returns real screenshots', async () => {
    const tasks = writeScreenEnv(
      'screen-claude',
      'Take a screenshot and reply with the screen width in pixels.',
    );
    const fake = await fakeModel(
      (body): FakeTurn =>
        [
          { toolCalls: [{ name: 'computer', arguments: { action: 'screenshot' } }] },
          {
            toolCalls: [
              { name: 'computer', arguments: { action: 'left_click', coordinate: [10, 12] } },
            ],
          },
          { text: '640' },
        ][anthropic.turnOf(body)] as FakeTurn,
    );
    const { run } = await evalClaude(fake, tasks);
    expectSummary(run, /reward 1\.000 over 1 graded run/);
    const requests = fake.requestsFor('anthropic-messages');
    expect(requests).toHaveLength(3);
    expect(requests[0]?.headers['anthropic-beta']).toMatch(/computer-use-2025-11-24/);
    expect((requests[0]?.body as anthropic.MessagesBody | undefined)?.tools).toEqual([
      {
        type: 'computer_20251124',
        name: 'computer',
        display_width_px: 640,
        display_height_px: 480,
      },
    ]);
    const [shot] = anthropic.lastToolResults(requests[1]?.body);
    const image = shot.content.find((part: anthropic.MessagesBody) => part.type === 'image');
    expect(image.source).toMatchObject({ type: 'base64', media_type: 'image/png' });
    expect(Buffer.from(image.source.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const [click] = anthropic.lastToolResults(requests[2]?.body);
    expect(anthropic.resultText(click)).toBe('click at (10, 12)');
  });
});
