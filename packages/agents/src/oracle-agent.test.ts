import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type {
  Capability,
  HudClient,
  SshExecOptions,
  SshExecResult,
  TasksSolveResult,
} from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { agentContext } from './__fixtures__/adapter-fixtures.js';
import { AgentError } from './errors.js';
import { OracleAgent } from './oracle-agent.js';
import { type AgentTool, type ToolProvider, textOutput } from './tools/tool.js';

// The oracle with a tool solution (`tasks.solve` answering `tool_calls`): the calls run through the generic
// tools a model agent gets — here `bash` over a shell whose commands are real bash processes in a temp
// directory — and are recorded like a model agent's; capabilities open only while a called tool is missing.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A `WorkspaceShell` whose `exec` runs `bash -c` for real in `cwd`. */
function localShell(cwd: string) {
  return {
    cwd,
    exec(command: string, options: SshExecOptions = {}): Promise<SshExecResult> {
      return new Promise((resolve) => {
        execFile(
          'bash',
          ['-c', command],
          { cwd, signal: options.signal },
          (error, stdout, stderr) => {
            const code = (error as { code?: unknown } | null)?.code;
            resolve({
              stdout,
              stderr,
              exitCode: error ? (typeof code === 'number' ? code : 1) : 0,
              timedOut: false,
            });
          },
        );
      });
    },
    readText: () => Promise.reject(new Error('not used')),
    writeText: () => Promise.reject(new Error('not used')),
  };
}

const BINDINGS = [
  { name: 'shell', protocol: 'ssh/2', url: 'x', params: {} },
  { name: 'screen', protocol: 'rfb/3.8', url: 'x', params: {} },
  { name: 'browser', protocol: 'cdp/1.3', url: 'x', params: {} },
  { name: 'tools', protocol: 'mcp/2025-06-18', url: 'x', params: {} },
] as Capability[];

/** A context whose client answers `tasks.solve` with `solved` and opens `shell` as a local bash shell. */
function solving(solved: TasksSolveResult, cwd: string, bindings = BINDINGS) {
  const opened: string[] = [];
  let solves = 0;
  const client = {
    solve: async () => {
      solves++;
      return solved;
    },
    open: async (name: string) => {
      opened.push(name);
      if (name === 'shell') return localShell(cwd);
      throw new Error(`the oracle should not open '${name}'`);
    },
  } as unknown as HudClient;
  const { context, steps } = agentContext({ client, bindings });
  return { context, steps, opened, solves: () => solves };
}

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'oracle-agent-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'sum.js'), 'export const sum = (a, b) => a - b;\n');
  return dir;
}

describe('OracleAgent with a tool solution', () => {
  it('runs each call through the bash tool, records it as a model agent would, then answers', async () => {
    const dir = project();
    const { context, steps, opened } = solving(
      {
        answer: 'Fixed the sign.',
        tool_calls: [
          { name: 'bash', arguments: { command: 'grep -c "a - b" sum.js' } },
          { name: 'bash', arguments: { command: "sed -i 's/a - b/a + b/' sum.js" } },
          { name: 'bash', arguments: { command: 'cat sum.js' } },
        ],
      },
      dir,
    );
    const result = await new OracleAgent().run(context);
    expect(result).toEqual({ answer: 'Fixed the sign.', stopReason: 'done' });
    expect(readFileSync(path.join(dir, 'sum.js'), 'utf8')).toBe(
      'export const sum = (a, b) => a + b;\n',
    );
    // Only the shell was opened: no screen, browser or MCP server for a bash-only solution.
    expect(opened).toEqual(['shell']);
    expect(steps.map((step) => step.source)).toEqual([
      'agent',
      'tool',
      'agent',
      'tool',
      'agent',
      'tool',
      'agent',
    ]);
    const sed = {
      id: 'oracle_2',
      name: 'bash',
      arguments: { command: "sed -i 's/a - b/a + b/' sum.js" },
    };
    expect(steps[2]).toMatchObject({
      source: 'agent',
      tool_calls: [sed],
      done: false,
      extra: { oracle: true },
    });
    expect(steps[3]).toMatchObject({
      source: 'tool',
      call: sed,
      result: { isError: false, call_id: 'oracle_2' },
    });
    expect(steps[1]?.result?.content).toEqual([
      { type: 'text', text: '$ grep -c "a - b" sum.js\n1\n\n(exit 0)' },
    ]);
    expect(steps[5]?.result?.content).toEqual([
      { type: 'text', text: '$ cat sum.js\nexport const sum = (a, b) => a + b;\n\n(exit 0)' },
    ]);
    expect(steps[6]).toEqual({
      source: 'agent',
      content: 'Fixed the sign.',
      done: true,
      extra: { oracle: true },
    });
  });

  it('records a call that answers isError and goes on: the grade decides', async () => {
    const { context, steps } = solving(
      {
        answer: 'tried',
        tool_calls: [
          { name: 'bash', arguments: { command: 'exit 3' } },
          { name: 'bash', arguments: { command: 'echo still here' } },
        ],
      },
      project(),
    );
    expect(await new OracleAgent().run(context)).toEqual({ answer: 'tried', stopReason: 'done' });
    expect(steps[1]?.result).toMatchObject({ isError: true, call_id: 'oracle_1' });
    expect(steps[3]?.result).toMatchObject({
      isError: false,
      content: [{ type: 'text', text: '$ echo still here\nstill here\n\n(exit 0)' }],
    });
    expect(steps).toHaveLength(5);
  });

  it('refuses a call to a tool no capability offers, naming the tool and the task, before any call runs', async () => {
    const { context, steps, opened } = solving(
      {
        answer: 'x',
        tool_calls: [
          { name: 'bash', arguments: { command: 'touch ran' } },
          { name: 'teleport', arguments: {} },
        ],
      },
      project(),
      BINDINGS.filter((binding) => binding.name === 'shell'),
    );
    const error = await new OracleAgent().run(context).catch((caught: unknown) => caught);
    expect(AgentError.isInstance(error) && error.code).toBe('no_solution');
    expect((error as Error).message).toBe(
      "task 't': the reference solution calls the tool 'teleport', which the environment's capabilities do not offer (tools: bash, editor)",
    );
    expect(steps).toEqual([]);
    expect(opened).toEqual(['shell']);
  });

  it('opens a later provider only while a called tool is still missing', async () => {
    const made: string[] = [];
    const provider = (protocol: string, names: string[]): ToolProvider => ({
      protocol,
      create: () => {
        made.push(protocol);
        return names.map(
          (name): AgentTool => ({
            name,
            description: name,
            inputSchema: { type: 'object' },
            run: async (input) => textOutput(`${protocol}:${name}:${JSON.stringify(input)}`),
          }),
        );
      },
    });
    const bindings = [
      { name: 'a', protocol: 'a/1', url: 'x', params: {} },
      { name: 'b', protocol: 'b/1', url: 'x', params: {} },
      { name: 'c', protocol: 'c/1', url: 'x', params: {} },
    ] as Capability[];
    const { context, steps } = agentContext({
      bindings,
      client: {
        solve: async () => ({
          answer: 'ok',
          tool_calls: [
            { name: 'two', arguments: { n: 2 } },
            { name: 'one', arguments: {} },
          ],
        }),
        open: async () => ({}),
      } as unknown as HudClient,
    });
    const agent = new OracleAgent({
      toolProviders: [
        provider('a', ['one']),
        provider('b', ['two', 'one']),
        provider('c', ['three']),
      ],
    });
    expect(await agent.run(context)).toEqual({ answer: 'ok', stopReason: 'done' });
    expect(made).toEqual(['a', 'b']);
    // `one` comes from the first provider that offers it.
    expect(
      steps.filter((step) => step.source === 'tool').map((step) => step.result?.content),
    ).toEqual([[{ type: 'text', text: 'b:two:{"n":2}' }], [{ type: 'text', text: 'a:one:{}' }]]);
  });

  it('answers a plain solution with one step and opens nothing', async () => {
    const { context, steps, opened, solves } = solving({ answer: { n: 1 } }, project());
    expect(await new OracleAgent().run(context)).toEqual({ answer: '{"n":1}', stopReason: 'done' });
    expect(steps).toEqual([
      { source: 'agent', content: '{"n":1}', done: true, extra: { oracle: true } },
    ]);
    expect(opened).toEqual([]);
    expect(solves()).toBe(1);
  });

  it('stops with timeout when the run is aborted during a call', async () => {
    const controller = new AbortController();
    const provider: ToolProvider = {
      protocol: 'a',
      create: () => [
        {
          name: 'slow',
          description: 'slow',
          inputSchema: { type: 'object' },
          run: (_input, options) => {
            controller.abort(new Error('agent time limit'));
            return new Promise((_resolve, reject) =>
              options?.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
            );
          },
        },
      ],
    };
    const { context, steps } = agentContext({
      bindings: [{ name: 'a', protocol: 'a/1', url: 'x', params: {} } as Capability],
      signal: controller.signal,
      client: {
        solve: async () => ({ answer: 'never', tool_calls: [{ name: 'slow', arguments: {} }] }),
        open: async () => ({}),
      } as unknown as HudClient,
    });
    const result = await new OracleAgent({ toolProviders: [provider] }).run(context);
    expect(result).toEqual({ answer: '', stopReason: 'timeout' });
    expect(steps.map((step) => step.source)).toEqual(['agent']);
  });
});
