import { request } from 'node:http';
import { HudClient, type McpClient } from '@hud/protocol';
import { MCP_INITIALIZE as INITIALIZE } from '@hud/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeAll, served } from '../__fixtures__/served.js';
import { Environment } from '../environment.js';
import { McpHttpService, mcpTool } from './mcp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeAll();
});

/** A small key-value tool set over one Map (state lives outside the per-request servers). */
function kvTools(store: Map<string, string>) {
  return [
    mcpTool({
      name: 'kv_set',
      description: 'Store a value under a key.',
      inputSchema: { key: z.string().describe('the key'), value: z.string() },
      handler: ({ key, value }) => {
        store.set(key, value);
        return `stored ${key}`;
      },
    }),
    mcpTool({
      name: 'kv_get',
      description: 'Read the value of a key.',
      inputSchema: { key: z.string() },
      handler: ({ key }) => {
        const value = store.get(key);
        if (value === undefined) throw new Error(`no key '${key}'`);
        return { content: [{ type: 'text', text: value }], structuredContent: { value } };
      },
    }),
    mcpTool({
      name: 'kv_list',
      description: 'List every key.',
      handler: () => [...store.keys()].sort().join('\n'),
    }),
  ];
}

async function officialClient(url: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  cleanups.push(() => client.close());
  return client;
}

async function startService(...args: Parameters<typeof McpHttpService.start>) {
  const service = await McpHttpService.start(...args);
  cleanups.push(() => service.close());
  return service;
}

/** A raw HTTP request to the service (fetch cannot set Host). */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false — a fresh connection per request, so a closed server is seen as closed.
    const req = request(
      url,
      { method: options.method ?? 'POST', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const JSON_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
};

describe('McpHttpService (official SDK client, directly)', () => {
  it('lists the tools with their descriptions and JSON Schemas, and calls them', async () => {
    const store = new Map([['seed', 'alpha']]);
    const service = await startService(kvTools(store));
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(service.capability()).toEqual({
      name: 'tools',
      protocol: 'mcp/2025-11-25',
      url: service.url,
      params: { transport: 'streamable-http' },
    });
    const client = await officialClient(service.url);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => [tool.name, tool.description])).toEqual([
      ['kv_set', 'Store a value under a key.'],
      ['kv_get', 'Read the value of a key.'],
      ['kv_list', 'List every key.'],
    ]);
    expect(tools[0]?.inputSchema).toMatchObject({
      type: 'object',
      properties: { key: { type: 'string', description: 'the key' }, value: { type: 'string' } },
      required: ['key', 'value'],
    });

    expect(await client.callTool({ name: 'kv_set', arguments: { key: 'k', value: 'v' } })).toEqual({
      content: [{ type: 'text', text: 'stored k' }],
    });
    expect(store.get('k')).toBe('v');
    expect(await client.callTool({ name: 'kv_get', arguments: { key: 'seed' } })).toEqual({
      content: [{ type: 'text', text: 'alpha' }],
      structuredContent: { value: 'alpha' },
    });
    expect(await client.callTool({ name: 'kv_list', arguments: {} })).toEqual({
      content: [{ type: 'text', text: 'k\nseed' }],
    });
  });

  it('turns a throwing handler and invalid arguments into isError results', async () => {
    const service = await startService(kvTools(new Map()));
    const client = await officialClient(service.url);
    const missing = await client.callTool({ name: 'kv_get', arguments: { key: 'nope' } });
    expect(missing.isError).toBe(true);
    expect(JSON.stringify(missing.content)).toContain("no key 'nope'");
    const invalid = await client.callTool({ name: 'kv_set', arguments: { key: 1 } });
    expect(invalid.isError).toBe(true);
    expect(JSON.stringify(invalid.content)).toMatch(/Invalid arguments|validation/i);
  });

  it('serves a user McpServer factory, one fresh server per request', async () => {
    let built = 0;
    const service = await startService(() => {
      built++;
      const server = new McpServer({ name: 'custom', version: '2.0.0' });
      server.registerTool(
        'add',
        { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } },
        async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
      );
      return server;
    });
    const client = await officialClient(service.url);
    expect(client.getServerVersion()).toMatchObject({ name: 'custom', version: '2.0.0' });
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(result.content).toEqual([{ type: 'text', text: '5' }]);
    expect(built).toBeGreaterThanOrEqual(2);
  });

  it('refuses foreign Host and Origin headers (DNS rebinding), GET, and other paths', async () => {
    const service = await startService(kvTools(new Map()));
    const ok = await rawRequest(service.url, { headers: JSON_HEADERS, body: INITIALIZE });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).result.serverInfo).toBeDefined();

    const foreignHost = await rawRequest(service.url, {
      headers: { ...JSON_HEADERS, Host: `attacker.example:${service.port}` },
      body: INITIALIZE,
    });
    expect(foreignHost.status).toBe(403);
    expect(foreignHost.body).toContain("Host 'attacker.example");

    const foreignOrigin = await rawRequest(service.url, {
      headers: { ...JSON_HEADERS, Origin: 'http://attacker.example' },
      body: INITIALIZE,
    });
    expect(foreignOrigin.status).toBe(403);
    const loopbackOrigin = await rawRequest(service.url, {
      headers: {
        ...JSON_HEADERS,
        Origin: 'http://localhost:3000',
        Host: `localhost:${service.port}`,
      },
      body: INITIALIZE,
    });
    expect(loopbackOrigin.status).toBe(200);

    expect((await rawRequest(service.url, { method: 'GET', headers: JSON_HEADERS })).status).toBe(
      405,
    );
    const elsewhere = service.url.replace(/\/mcp$/, '/other');
    expect((await rawRequest(elsewhere, { headers: JSON_HEADERS, body: INITIALIZE })).status).toBe(
      404,
    );
    const garbage = await rawRequest(service.url, { headers: JSON_HEADERS, body: '{not json' });
    expect(garbage.status).toBe(400);
  });

  it('refuses duplicate tool names', async () => {
    const tools = kvTools(new Map());
    await expect(McpHttpService.start([...tools, tools[0] as (typeof tools)[0]])).rejects.toThrow(
      "two tools are named 'kv_set'",
    );
  });

  it('with an authToken, refuses a request without that Bearer token (401) and publishes it for clients', async () => {
    const service = await startService(kvTools(new Map()), { authToken: 'mcp-secret-1' });
    expect(service.capability()).toEqual({
      name: 'tools',
      protocol: 'mcp/2025-11-25',
      url: service.url,
      params: { transport: 'streamable-http', auth_token: 'mcp-secret-1' },
    });
    for (const authorization of [undefined, 'Bearer wrong', 'Basic mcp-secret-1', 'Bearer']) {
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (authorization !== undefined) headers.Authorization = authorization;
      const refused = await rawRequest(service.url, { headers, body: INITIALIZE });
      expect(refused.status, String(authorization)).toBe(401);
      expect(JSON.parse(refused.body).error.message).toMatch(/^unauthorized: /);
    }
    // Even a wrong path or method is refused as unauthorized first: nothing is revealed.
    const probe = await rawRequest(service.url.replace(/\/mcp$/, '/other'), { method: 'GET' });
    expect(probe.status).toBe(401);
    const allowed = await rawRequest(service.url, {
      headers: { ...JSON_HEADERS, Authorization: 'bearer mcp-secret-1' },
      body: INITIALIZE,
    });
    expect(allowed.status).toBe(200);
    // The hud-ts client sends params.auth_token as its Bearer token.
    const { McpClient } = await import('@hud/protocol');
    const client = await McpClient.connect(service.capability());
    cleanups.push(() => client.close());
    expect((await client.listTools()).map((tool) => tool.name)).toContain('kv_get');
  });

  it('has no auth_token unless one is given or the environment is served with a token', async () => {
    const plain = await startService(kvTools(new Map()));
    expect(plain.authToken).toBeUndefined();
    expect(plain.capability().params).toEqual({ transport: 'streamable-http' });
    expect((await rawRequest(plain.url, { headers: JSON_HEADERS, body: INITIALIZE })).status).toBe(
      200,
    );
    await expect(startService(kvTools(new Map()), { authToken: '' })).rejects.toThrow(
      /authToken must not be empty/,
    );
  });

  it('stops answering once closed', async () => {
    const service = await McpHttpService.start(kvTools(new Map()));
    await service.close();
    await expect(
      rawRequest(service.url, { headers: JSON_HEADERS, body: INITIALIZE }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('env.mcp() through the control channel', () => {
  function kvEnv(store: Map<string, string>): Environment {
    const env = new Environment({ name: 'kv', version: '1.2.3' });
    env.mcp(kvTools(store));
    return env;
  }

  it('publishes the capability and serves it through tunnel.open (HudClient.open and the SDK client)', async () => {
    const store = new Map([['seed', 'alpha']]);
    const env = kvEnv(store);
    const { server } = await served(env);
    const published = env.capability('tools');
    expect(published).toMatchObject({
      protocol: 'mcp/2025-11-25',
      params: { transport: 'streamable-http' },
    });

    const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    const binding = client.binding('mcp');
    expect(binding.name).toBe('tools');
    // Routed through a local forwarder: a different port than the server's own.
    expect(binding.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(binding.url).not.toBe(published.url);

    const tools = await client.open<McpClient>('tools');
    expect(tools.sdk.getServerVersion()).toMatchObject({ name: 'kv', version: '1.2.3' });
    expect((await tools.listTools()).map((tool) => tool.name)).toEqual([
      'kv_set',
      'kv_get',
      'kv_list',
    ]);
    expect(await tools.callTool('kv_set', { key: 'through', value: 'tunnel' })).toEqual({
      content: [{ type: 'text', text: 'stored through' }],
      isError: false,
    });
    expect(store.get('through')).toBe('tunnel');
    const failed = await tools.callTool('kv_get', { key: 'absent' });
    expect(failed.isError).toBe(true);

    // The official client, pointed at the forwarded URL, reaches the same server.
    const official = await officialClient(binding.url);
    const result = await official.callTool({ name: 'kv_get', arguments: { key: 'seed' } });
    expect(result.structuredContent).toEqual({ value: 'alpha' });
  });

  it('served with a token: the MCP port wants a secret of its own, which only clients past hello get', async () => {
    const store = new Map([['seed', 'alpha']]);
    const env = kvEnv(store);
    const { server } = await served(env, { token: 'control-token' });
    const published = env.capability('tools');
    const secret = published.params?.auth_token;
    expect(typeof secret).toBe('string');
    expect(secret).not.toBe('control-token');
    expect((secret as string).length).toBeGreaterThanOrEqual(32);
    // Straight to the port without the secret: refused.
    const direct = await rawRequest(published.url, { headers: JSON_HEADERS, body: INITIALIZE });
    expect(direct.status).toBe(401);
    await expect(officialClient(published.url)).rejects.toThrow();

    // Without the control token there is no manifest, so no secret either.
    const stranger = HudClient.connect(server.url, {
      heartbeatIntervalMs: 0,
      readyTimeoutMs: 2000,
    });
    await expect(stranger).rejects.toThrow(/unauthorized/);
    // With it: hello carries the binding (auth_token included) and the tunnel carries the token.
    const client = await HudClient.connect(server.url, {
      heartbeatIntervalMs: 0,
      token: 'control-token',
    });
    cleanups.push(() => client.close());
    expect(client.binding('tools').params).toEqual({
      transport: 'streamable-http',
      auth_token: secret,
    });
    const tools = await client.open<McpClient>('tools');
    expect(await tools.callTool('kv_get', { key: 'seed' })).toMatchObject({ isError: false });
  });

  it('refuses tunnel.open to a capability the environment did not declare', async () => {
    const env = kvEnv(new Map());
    const { server } = await served(env);
    const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    expect(() => client.binding('browser')).toThrow(/no capability 'browser'/);
    const { connect } = await import('node:net');
    const socket = connect(server.port, '127.0.0.1');
    cleanups.push(async () => void socket.destroy());
    socket.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tunnel.open', params: { capability: 'browser' } })}\n`,
    );
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('\n')) resolve(text.split('\n')[0] as string);
      });
    });
    expect(JSON.parse(reply)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32000, message: expect.stringContaining("unknown capability: 'browser'") },
    });
  });

  it('closes the MCP server when the environment stops', async () => {
    const env = kvEnv(new Map());
    await env.start();
    const { url } = env.capability('tools');
    expect((await rawRequest(url, { headers: JSON_HEADERS, body: INITIALIZE })).status).toBe(200);
    await env.stop();
    await expect(rawRequest(url, { headers: JSON_HEADERS, body: INITIALIZE })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
