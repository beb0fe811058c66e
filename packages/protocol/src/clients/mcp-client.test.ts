import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HudError } from '../errors.js';
import { connectProtocolClient, findProtocolClient } from '../protocol-clients.js';
import { McpClient } from './mcp-client.js';
import { serveMcpStdioProxy } from './mcp-proxy.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stateless SDK server on 127.0.0.1 with one `echo` tool answering `<label>:<text>`; records requests. */
async function sdkServer(label: string) {
  const seen: IncomingMessage[] = [];
  const http: Server = createServer(async (request, response) => {
    seen.push(request);
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const server = new McpServer({ name: label, version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: `Echo (${label})`, inputSchema: { text: z.string() } },
      async ({ text }) => ({ content: [{ type: 'text', text: `${label}:${text}` }] }),
    );
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.once('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(request, response, JSON.parse(Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  );
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return { url, seen };
}

async function connected(name: string, url: string, params: Record<string, unknown> = {}) {
  const client = await McpClient.connect({ name, protocol: 'mcp/2025-11-25', url, params });
  cleanups.push(() => client.close());
  return client;
}

describe('McpClient', () => {
  it('is what HudClient.open uses for any mcp/* protocol', () => {
    expect(findProtocolClient('mcp/2025-11-25')).toBeDefined();
    expect(findProtocolClient('mcp/2026-07-28')).toBeDefined();
  });

  it('lists and calls tools, normalising results, and sends auth_token as a Bearer token', async () => {
    const { url, seen } = await sdkServer('a');
    const client = await connected('tools', url, { auth_token: 's3cret' });
    expect((await client.listTools()).map((tool) => [tool.name, tool.description])).toEqual([
      ['echo', 'Echo (a)'],
    ]);
    expect(await client.callTool('echo', { text: 'hi' })).toEqual({
      content: [{ type: 'text', text: 'a:hi' }],
      isError: false,
    });
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) expect(request.headers.authorization).toBe('Bearer s3cret');
  });

  it('reports a refused connection as connection_failed, which HudClient.open retries', async () => {
    const { url } = await sdkServer('gone');
    await cleanups.pop()?.(); // close that server: its port now refuses
    let attempts = 0;
    const failing = connectProtocolClient(
      async (binding) => {
        attempts++;
        return McpClient.connect(binding);
      },
      { name: 'tools', protocol: 'mcp/2025-11-25', url, params: {} },
      { attempts: 2, baseDelayMs: 1 },
    );
    await expect(failing).rejects.toMatchObject({ name: 'HudError', code: 'connection_failed' });
    expect(attempts).toBe(2);
  });

  it('refuses transports that do not fit the url, and calls after close', async () => {
    const bad = (url: string, transport?: string) =>
      McpClient.connect({
        name: 'tools',
        protocol: 'mcp/2025-11-25',
        url,
        params: transport ? { transport } : {},
      });
    await expect(bad('http://127.0.0.1:1/mcp', 'carrier-pigeon')).rejects.toThrow(
      "unknown transport 'carrier-pigeon'",
    );
    await expect(bad('ws://127.0.0.1:1/mcp', 'streamable-http')).rejects.toThrow(
      "transport 'streamable-http' does not fit the url scheme 'ws:'",
    );
    await expect(bad('not a url')).rejects.toBeInstanceOf(HudError);

    const { url } = await sdkServer('b');
    const client = await McpClient.connect({ name: 't', protocol: 'mcp/2025-11-25', url });
    await client.close();
    await expect(client.listTools()).rejects.toMatchObject({ code: 'connection_closed' });
  });
});

/** Sends newline-delimited JSON-RPC to the proxy and reads its replies. */
function stdioPeer() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let buffered = '';
  const waiting = new Map<number, (message: Record<string, unknown>) => void>();
  stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const message = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      waiting.get(message.id)?.(message);
      newline = buffered.indexOf('\n');
    }
  });
  let nextId = 1;
  const call = (method: string, params: Record<string, unknown> = {}) => {
    const id = nextId++;
    const reply = new Promise<Record<string, unknown>>((resolve) => waiting.set(id, resolve));
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return reply;
  };
  return { stdin, stdout, call };
}

describe('serveMcpStdioProxy', () => {
  it('offers the tools of several upstreams with <capability>__ prefixes and routes calls', async () => {
    const alpha = await connected('alpha', (await sdkServer('a')).url);
    const beta = await connected('beta', (await sdkServer('b')).url);
    const peer = stdioPeer();
    const proxy = await serveMcpStdioProxy({
      upstreams: [alpha, beta],
      serverInfo: { name: 'proxy-test', version: '9.9.9' },
      stdin: peer.stdin,
      stdout: peer.stdout,
    });
    cleanups.push(() => proxy.close());

    const init = await peer.call('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'peer', version: '1' },
    });
    expect(init.result).toMatchObject({ serverInfo: { name: 'proxy-test', version: '9.9.9' } });
    peer.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
    );

    const listed = (await peer.call('tools/list')).result as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name)).toEqual(['alpha__echo', 'beta__echo']);
    const called = await peer.call('tools/call', {
      name: 'beta__echo',
      arguments: { text: 'routed' },
    });
    expect(called.result).toEqual({
      content: [{ type: 'text', text: 'b:routed' }],
      isError: false,
    });
    const unknown = await peer.call('tools/call', { name: 'gamma__echo', arguments: {} });
    expect(unknown.result).toEqual({
      content: [{ type: 'text', text: "unknown tool: 'gamma__echo'" }],
      isError: true,
    });

    // The end of the input (an editor quitting) closes the proxy.
    peer.stdin.end();
    await proxy.closed;
  });

  it('needs at least one upstream', async () => {
    await expect(serveMcpStdioProxy({ upstreams: [] })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
