import type { Capability, HudClient } from '@hud/protocol';
import { startFakeProvider } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { agentContext } from '../../__fixtures__/adapter-fixtures.js';
import { ToolLoopAgent } from '../../model/tool-loop-agent.js';
import type { ComputerScreen } from '../../tools/computer-tool.js';
import { ClaudeAdapter } from './claude-adapter.js';
import { claudeComputerTool } from './claude-computer.js';

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
type Body = any;

const bodyOf = (request: { body: unknown } | undefined): Body => request?.body ?? {};

const claudeAdapter = new ClaudeAdapter();

const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

function fakeScreen() {
  const actions: string[] = [];
  let pointer = { x: 0, y: 0 };
  const screen = {
    width: 800,
    height: 600,
    get pointer() {
      return pointer;
    },
    screenshot: async () => PNG,
    move: async (x: number, y: number) => {
      pointer = { x, y };
      actions.push(`move ${x},${y}`);
    },
    click: async (x: number, y: number, options: { button?: string; count?: number } = {}) => {
      pointer = { x, y };
      actions.push(`click ${x},${y} ${options.button ?? 'left'}x${options.count ?? 1}`);
    },
    mouseDown: async (button: string) => void actions.push(`down ${button}`),
    mouseUp: async (button: string) => void actions.push(`up ${button}`),
    drag: async (path: { x: number; y: number }[]) =>
      void actions.push(`drag ${path.map((p) => `${p.x},${p.y}`).join(' ')}`),
    scroll: async (x: number, y: number, delta: { dx: number; dy: number }) =>
      void actions.push(`scroll ${x},${y} ${delta.dx},${delta.dy}`),
    type: async (text: string) => void actions.push(`type ${text}`),
    keyPress: async (chord: string) => void actions.push(`key ${chord}`),
  };
  return { screen: screen as unknown as ComputerScreen, actions };
}

function contextFor(bindings: Capability[], clients: Record<string, unknown>, maxSteps = 10) {
  return agentContext({
    prompt: 'do it',
    promptMessages: [{ role: 'user', content: { type: 'text', text: 'Fix the bug.' } }],
    promptText: 'Fix the bug.',
    bindings,
    client: { open: async (name: string) => clients[name] } as unknown as HudClient,
    maxSteps,
  });
}

const binding = (name: string, protocol: string) =>
  ({ name, protocol, url: 'x', params: {} }) as Capability;

function allCapabilities() {
  const commands: string[] = [];
  const shell = {
    cwd: '/workspace',
    exec: async (command: string) => {
      commands.push(command);
      return { stdout: 'hi\n', stderr: '', exitCode: 0, timedOut: false };
    },
    readText: async () => '',
    writeText: async () => {},
  };
  const mcpCalls: unknown[] = [];
  const mcp = {
    binding: { name: 'tools' },
    listTools: async () => [
      {
        name: 'kv_get',
        description: 'Read a value.',
        inputSchema: { type: 'object', properties: { key: { type: 'string' } } },
      },
    ],
    callTool: async (name: string, args: unknown) => {
      mcpCalls.push([name, args]);
      return { content: [{ type: 'text', text: 'amber-7' }], isError: false };
    },
  };
  const { screen, actions } = fakeScreen();
  return {
    bindings: [
      binding('shell', 'ssh/2'),
      binding('screen', 'rfb/3.8'),
      binding('tools', 'mcp/2025-11-25'),
      binding('browser', 'cdp/1.3'),
    ],
    clients: { shell, screen, tools: mcp, browser: { send: async () => ({}) } },
    commands,
    mcpCalls,
    actions,
  };
}

describe('claude harness against the fake Anthropic API', () => {
  it('sends native tools, caches the last user turn and feeds tool results back', async () => {
    const caps = allCapabilities();
    await using fake = await startFakeProvider({
      turns: [
        {
          text: 'Looking.',
          toolCalls: [{ id: 'tu_1', name: 'bash', arguments: { command: 'ls' } }],
        },
        {
          toolCalls: [
            {
              id: 'tu_2',
              name: 'computer',
              arguments: { action: 'left_click', coordinate: [10, 20] },
            },
          ],
        },
        { toolCalls: [{ id: 'tu_3', name: 'kv_get', arguments: { key: 'vault:code' } }] },
        { toolCalls: [{ id: 'tu_4', name: 'nope', arguments: {} }] },
        { text: 'amber-7', usage: { inputTokens: 50, outputTokens: 3, cachedTokens: 900 } },
      ],
    });
    const agent = new ToolLoopAgent(claudeAdapter, {
      settings: { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url },
      config: { system_prompt: 'Be careful.' },
    });
    const { context, steps } = contextFor(caps.bindings, caps.clients);
    expect(await agent.run(context)).toEqual({ answer: 'amber-7', stopReason: 'done' });

    const requests = fake.requestsFor('anthropic-messages');
    expect(requests).toHaveLength(5);
    const first: Body = requests[0]?.body;
    expect(requests[0]?.headers.authorization ?? requests[0]?.headers['x-api-key']).toMatch(
      /sk-test/,
    );
    expect(requests[0]?.headers['anthropic-beta']).toMatch(/computer-use-2025-11-24/);
    expect(first).toMatchObject({
      model: 'claude-sonnet-4-6',
      max_tokens: 16384,
      system: [{ type: 'text', text: 'Be careful.' }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'Fix the bug.', cache_control: { type: 'ephemeral' } }],
        },
      ],
    });
    expect(first.tools.slice(0, 4)).toEqual([
      { type: 'bash_20250124', name: 'bash' },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
      {
        type: 'computer_20251124',
        name: 'computer',
        display_width_px: 800,
        display_height_px: 600,
      },
      {
        name: 'kv_get',
        description: 'Read a value.',
        input_schema: { type: 'object', properties: { key: { type: 'string' } } },
      },
    ]);
    expect(first.tools.slice(4).map((tool: Body) => tool.name)).toEqual([
      'navigate',
      'read_page',
      'click',
      'type',
      'screenshot',
    ]);
    expect(first.tools.slice(4).every((tool: Body) => tool.input_schema?.type === 'object')).toBe(
      true,
    );

    const second: Body = requests[1]?.body;
    expect(second.messages).toHaveLength(3);
    expect(second.messages[0].content[0].cache_control).toBeUndefined();
    expect(second.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Looking.', citations: null },
        { type: 'tool_use', id: 'tu_1', name: 'bash', input: { command: 'ls' } },
      ],
    });
    expect(second.messages[2]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'tu_1',
          content: [{ type: 'text', text: '$ ls\nhi\n\n(exit 0)' }],
          cache_control: { type: 'ephemeral' },
        },
      ],
    });
    expect(caps.commands).toEqual(['ls']);

    const computerResult = bodyOf(requests[2]).messages.at(-1).content[0];
    expect(computerResult.tool_use_id).toBe('tu_2');
    expect(computerResult.content).toEqual([
      { type: 'text', text: 'click at (10, 20)' },
      {
        type: 'image',
        source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') },
      },
    ]);
    expect(caps.actions).toEqual(['click 10,20 leftx1']);
    expect(caps.mcpCalls).toEqual([['kv_get', { key: 'vault:code' }]]);
    const unknown = bodyOf(requests[4]).messages.at(-1).content[0];
    expect(unknown).toMatchObject({
      tool_use_id: 'tu_4',
      is_error: true,
      content: [{ type: 'text', text: "unknown tool: 'nope'" }],
    });

    const agentSteps = steps.filter((step) => step.source === 'agent');
    expect(agentSteps).toHaveLength(5);
    expect(agentSteps[4]?.usage).toMatchObject({
      prompt_tokens: 950,
      completion_tokens: 3,
      cached_tokens: 900,
    });
    expect(steps.filter((step) => step.source === 'tool')).toHaveLength(4);
  });

  it('survives 429, 529 and a dropped connection, honouring retry-after', async () => {
    await using fake = await startFakeProvider({
      turns: [
        { status: 429, headers: { 'retry-after': '0' }, message: 'slow down' },
        { status: 529, message: 'overloaded' },
        { drop: true },
        { text: 'ok' },
      ],
    });
    const agent = new ToolLoopAgent(claudeAdapter, {
      settings: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
      config: { retry_delay_seconds: 0.001 },
    });
    const { context } = contextFor([], {});
    expect((await agent.run(context)).answer).toBe('ok');
    expect(fake.requests).toHaveLength(4);
  });

  it('classifies SDK errors: 429 with retry-after is retryable, 400 is not', async () => {
    await using fake = await startFakeProvider({
      turns: [
        { status: 429, headers: { 'retry-after': '3' } },
        { status: 400, message: 'bad' },
      ],
    });
    const conversation = claudeAdapter.start(
      { model: 'claude-sonnet-4-6', system: undefined, messages: [], tools: [], config: {} },
      { apiKey: 'k', baseURL: fake.url, headers: {} },
    );
    const signal = new AbortController().signal;
    const first = await conversation.next({ signal }).catch((error: unknown) => error);
    expect(claudeAdapter.classifyError(first)).toEqual({
      status: 429,
      retryable: true,
      retryAfterMs: 3000,
    });
    const second = await conversation.next({ signal }).catch((error: unknown) => error);
    expect(claudeAdapter.classifyError(second)).toMatchObject({ status: 400, retryable: false });
  });

  it('answers a malformed tool input with a corrective error and sends {} back as the input', async () => {
    const caps = allCapabilities();
    await using fake = await startFakeProvider({
      turns: [
        { toolCalls: [{ id: 'bad', name: 'bash', arguments: '{"command": "ec' }] },
        { toolCalls: [{ id: 'good', name: 'bash', arguments: { command: 'echo hi' } }] },
        { text: 'hi' },
      ],
    });
    const agent = new ToolLoopAgent(claudeAdapter, {
      settings: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
    });
    const { context } = contextFor(caps.bindings.slice(0, 1), caps.clients);
    expect(await agent.run(context)).toEqual({ answer: 'hi', stopReason: 'done' });
    const second: Body = fake.requests[1]?.body;
    expect(second.messages[1].content[0]).toEqual({
      type: 'tool_use',
      id: 'bad',
      name: 'bash',
      input: {},
    });
    expect(second.messages[2].content[0]).toMatchObject({ tool_use_id: 'bad', is_error: true });
    expect(second.messages[2].content[0].content[0].text).toMatch(/Re-issue the call in full/);
    expect(caps.commands).toEqual(['echo hi']);
  });

  it('uses the GA endpoint without a screen, and takes large max_tokens without streaming', async () => {
    await using fake = await startFakeProvider({
      turns: [{ text: 'x', finishReason: 'max_tokens' }],
    });
    const agent = new ToolLoopAgent(claudeAdapter, {
      settings: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
      model: 'claude-opus-4-6',
      config: { max_tokens: 64_000, temperature: 0.2 },
    });
    const { context } = contextFor([], {});
    expect((await agent.run(context)).stopReason).toBe('length');
    const request = fake.requests[0];
    expect(request?.headers['anthropic-beta']).toBeUndefined();
    expect(request?.body).toMatchObject({
      model: 'claude-opus-4-6',
      max_tokens: 64_000,
      temperature: 0.2,
    });
    expect(bodyOf(request).tools).toBeUndefined();
  });

  it('offers the January 2025 computer tool to models that predate the newer one', async () => {
    const caps = allCapabilities();
    await using fake = await startFakeProvider({ turns: [{ text: 'x' }] });
    const agent = new ToolLoopAgent(claudeAdapter, {
      settings: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
      model: 'claude-haiku-4-5-20251001',
    });
    const { context } = contextFor([caps.bindings[1] as Capability], caps.clients);
    await agent.run(context);
    expect(fake.requests[0]?.headers['anthropic-beta']).toMatch(/computer-use-2025-01-24/);
    expect(bodyOf(fake.requests[0]).tools).toEqual([
      {
        type: 'computer_20250124',
        name: 'computer',
        display_width_px: 800,
        display_height_px: 600,
      },
    ]);
  });
});

describe('claudeComputerTool', () => {
  const run = async (input: Record<string, unknown>) => {
    const { screen, actions } = fakeScreen();
    const tool = claudeComputerTool(screen, { screenshotDelayMs: 0 });
    const output = await tool.run(input as never);
    return { output, actions };
  };

  it.each<[Record<string, unknown>, string[]]>([
    [{ action: 'double_click', coordinate: [5, 6] }, ['click 5,6 leftx2']],
    [{ action: 'right_click', coordinate: [1, 2] }, ['click 1,2 rightx1']],
    [{ action: 'mouse_move', coordinate: [7, 8] }, ['move 7,8']],
    [{ action: 'left_click_drag', start_coordinate: [1, 1], coordinate: [9, 9] }, ['drag 1,1 9,9']],
    [
      { action: 'scroll', coordinate: [3, 4], scroll_direction: 'down', scroll_amount: 2 },
      ['scroll 3,4 0,2'],
    ],
    [{ action: 'type', text: 'hello' }, ['type hello']],
    [{ action: 'key', text: 'ctrl+c', repeat: 2 }, ['key ctrl+c', 'key ctrl+c']],
    [{ action: 'left_mouse_down' }, ['move 0,0', 'down left']],
  ])('maps %j', async (input, expected) => {
    const { output, actions } = await run(input);
    expect(output.isError).toBeUndefined();
    expect(actions).toEqual(expected);
  });

  it('answers screenshot and zoom with an image, and refuses hold_key and bad coordinates', async () => {
    expect((await run({ action: 'zoom', region: [0, 0, 10, 10] })).output.content[0]).toMatchObject(
      {
        type: 'text',
        text: 'screenshot',
      },
    );
    const hold = await run({ action: 'hold_key', text: 'shift', duration: 1 });
    expect(hold.output.isError).toBe(true);
    const bad = await run({ action: 'mouse_move', coordinate: [1] });
    expect(bad.output).toMatchObject({
      isError: true,
      content: [{ text: 'computer: coordinate must be [x, y]' }],
    });
  });
});
