import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { HudClient } from '@hud/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import {
  envWithoutNodePath,
  expectExampleReward,
  leftoverProcesses,
  removeScratch,
  runHudWithoutNodePath,
} from './support/eval-harness.js';
import { HUD_BIN, REPO_ROOT } from './support/served-env.js';

// examples/mcp-tools through the real CLI: `hud eval` with oracle and nop, and `hud serve --mcp` driven by
// the official MCP SDK's stdio client, the way an editor launches it.

const EXAMPLE = path.join(REPO_ROOT, 'examples/mcp-tools');
const TASKS = path.join(EXAMPLE, 'tasks.ts');
const ENV_FILE = path.join(EXAMPLE, 'env.ts');

afterAll(removeScratch);

/** The parts of the official SDK's client this test uses (e2e does not depend on the SDK itself). */
interface SdkClient {
  connect(transport: unknown): Promise<void>;
  getServerVersion(): { name: string; version: string } | undefined;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(params: {
    name: string;
    arguments: Record<string, unknown>;
  }): Promise<{ content: unknown; isError?: boolean }>;
  close(): Promise<void>;
}
interface SdkStdioTransport {
  readonly stderr: Readable | null;
  readonly pid: number | null;
}
interface Sdk {
  Client: new (info: { name: string; version: string }) => SdkClient;
  StdioClientTransport: new (params: {
    command: string;
    args: string[];
    env: Record<string, string>;
    stderr: 'pipe';
  }) => SdkStdioTransport;
}

/** The official SDK (v1), resolved from @hud/protocol's dependencies. */
async function sdk(): Promise<Sdk> {
  const require = createRequire(path.join(REPO_ROOT, 'packages/protocol/package.json'));
  const load = (specifier: string) => import(pathToFileURL(require.resolve(specifier)).href);
  const [{ Client }, { StdioClientTransport }] = await Promise.all([
    load('@modelcontextprotocol/sdk/client/index.js'),
    load('@modelcontextprotocol/sdk/client/stdio.js'),
  ]);
  return { Client, StdioClientTransport };
}

describe('hud eval examples/mcp-tools', () => {
  it('oracle scores 1.0 on every task (its solutions call the MCP tools)', () =>
    expectExampleReward(TASKS, 'oracle', '1.000', 3));

  it('nop scores 0.0 on every task', () => expectExampleReward(TASKS, 'nop', '0.000', 3));
});

describe('hud serve --mcp', () => {
  it('serves the tools over stdio to the official SDK client, next to a control port that grades the task', async () => {
    const { Client, StdioClientTransport } = await sdk();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [HUD_BIN, 'serve', ENV_FILE, '--mcp'],
      env: envWithoutNodePath() as Record<string, string>,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const editor = new Client({ name: 'editor', version: '1.0.0' });
    await editor.connect(transport);
    const pid = transport.pid;
    try {
      expect(editor.getServerVersion()).toMatchObject({ name: 'mcp-tools', version: '0.1.0' });
      const { tools } = await editor.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['kv_set', 'kv_get', 'kv_list']);

      // The control port is announced on stderr (stdout is the MCP channel).
      const deadline = Date.now() + 20_000;
      while (!/HUD_SERVE_PORT=\d+/.test(stderr) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const port = Number(/HUD_SERVE_PORT=(\d+)/.exec(stderr)?.[1]);
      expect(port, stderr).toBeGreaterThan(0);

      // The editor's agent does the task through the MCP tools; the control channel grades it.
      const control = await HudClient.connect(`tcp://127.0.0.1:${port}`, {
        heartbeatIntervalMs: 0,
      });
      try {
        const { prompt } = await control.startTask('store_and_recall', {
          key: 'from-editor',
          value: 'typed in an editor',
          lookup: 'note:motto',
        });
        expect(String(prompt)).toContain('"from-editor"');
        const set = await editor.callTool({
          name: 'kv_set',
          arguments: { key: 'from-editor', value: 'typed in an editor' },
        });
        expect(set.isError).toBe(false);
        const got = await editor.callTool({ name: 'kv_get', arguments: { key: 'note:motto' } });
        expect(got.content).toEqual([{ type: 'text', text: 'measure twice' }]);
        const missing = await editor.callTool({ name: 'kv_get', arguments: { key: 'absent' } });
        expect(missing.isError).toBe(true);
        expect((await control.grade({ answer: 'measure twice' })).score).toBe(1);
      } finally {
        await control.close();
      }
    } finally {
      await editor.close();
    }
    // Closing the channel stops the server (shutdown hooks run) and the process exits.
    expect(pid).toBeDefined();
    expect(await leftoverProcesses(`${HUD_BIN} serve ${ENV_FILE} --mcp`, 10_000)).toEqual([]);
  });

  it('refuses an environment without the named MCP capability', async () => {
    const run = await runHudWithoutNodePath(['serve', ENV_FILE, '--mcp', 'nope'], {
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("has no MCP capability 'nope' (MCP capabilities: tools)");
  });
});
