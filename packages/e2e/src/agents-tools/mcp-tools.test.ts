import { buildToolset, mcpToolProvider, mcpTools } from '@hud/agents';
import { Environment, mcpTool, serve } from '@hud/environment';
import { HudClient, type McpClient } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PIXEL =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function richTools() {
  return [
    mcpTool({
      name: 'echo',
      description: 'Echo the text back.',
      inputSchema: { text: z.string().describe('what to echo') },
      handler: ({ text }) => text,
    }),
    mcpTool({
      name: 'media',
      description: 'Return one block of every content kind.',
      handler: () => ({
        content: [
          { type: 'text', text: 'caption' },
          { type: 'image', data: PIXEL, mimeType: 'image/png' },
          { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
          { type: 'resource_link', uri: 'file:///notes.txt', name: 'notes' },
          { type: 'resource', resource: { uri: 'mem://a', text: 'inline text' } },
          {
            type: 'resource',
            resource: { uri: 'mem://b', blob: 'AAAA', mimeType: 'application/zip' },
          },
        ],
      }),
    }),
    mcpTool({
      name: 'fail',
      description: 'Always fails.',
      handler: () => {
        throw new Error('the disk is on fire');
      },
    }),
    mcpTool({
      name: 'structured',
      description: 'Structured output only.',
      handler: () => ({ content: [], structuredContent: { answer: 42 } }),
    }),
    { name: 'bare', description: '', handler: () => 'ok' },
  ];
}

async function servedClient(env: Environment): Promise<HudClient> {
  const server = await serve(env);
  cleanups.push(() => server.close());
  const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
  cleanups.push(() => client.close());
  return client;
}

describe('MCP tools for agents', () => {
  it('exposes every MCP tool with its name, description and input schema, through the tunnel', async () => {
    const env = new Environment({ name: 'mcp-tools' });
    env.mcp(richTools());
    const client = await servedClient(env);
    const tools = await mcpTools(await client.open<McpClient>('tools'));
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'media', 'fail', 'structured', 'bare']);
    const [echo, media, fail, structured, bare] = tools;
    expect(echo?.description).toBe('Echo the text back.');
    expect(echo?.inputSchema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string', description: 'what to echo' } },
      required: ['text'],
    });
    expect(bare?.description).toBe("The 'bare' tool of MCP capability 'tools'.");

    expect(await echo?.run({ text: 'hi there' })).toEqual({
      content: [{ type: 'text', text: 'hi there' }],
    });
    expect(await media?.run({})).toEqual({
      content: [
        { type: 'text', text: 'caption' },
        { type: 'image', data: PIXEL, mimeType: 'image/png' },
        { type: 'text', text: '[audio audio/wav, 3 bytes, not shown]' },
        { type: 'text', text: '[resource file:///notes.txt "notes"]' },
        { type: 'text', text: 'inline text' },
        { type: 'text', text: '[binary resource mem://b application/zip, not shown]' },
      ],
    });
    const failed = await fail?.run({});
    expect(failed?.isError).toBe(true);
    expect(failed?.content).toEqual([{ type: 'text', text: 'the disk is on fire' }]);
    expect(await structured?.run({})).toEqual({
      content: [{ type: 'text', text: '{"answer":42}' }],
      structuredContent: { answer: 42 },
    });
    // Invalid arguments come back as an error the model can correct, not as a thrown error.
    const invalid = await echo?.run({ text: 7 });
    expect(invalid?.isError).toBe(true);
  });

  it('opens every MCP binding and prefixes tool names with the capability name when there are several', async () => {
    const env = new Environment({ name: 'two-servers' });
    env.mcp(richTools().slice(0, 1), { name: 'alpha' });
    env.mcp(richTools().slice(0, 1), { name: 'beta.tools' });
    const client = await servedClient(env);
    const manifest = client.manifest;
    const tools = await buildToolset({ client, bindings: manifest?.bindings ?? [] }, [
      mcpToolProvider,
    ]);
    // `beta.tools__echo` is not a valid provider name: hud-python's provider_tool_name hashes it.
    expect(tools.map((tool) => tool.name)).toEqual([
      'alpha__echo',
      expect.stringMatching(/^beta_tools__echo_[0-9a-f]{8}$/),
    ]);
    expect(await tools[1]?.run({ text: 'from beta' })).toEqual({
      content: [{ type: 'text', text: 'from beta' }],
    });
  });
});
