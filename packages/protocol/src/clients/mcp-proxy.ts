import type { Readable, Writable } from 'node:stream';
import { HudError } from '../errors.js';
import type { McpClient, McpTool } from './mcp-client.js';

/** Options of {@link serveMcpStdioProxy}. */
export interface McpStdioProxyOptions {
  /** The connected MCP clients whose tools are offered; with several, names get a `<capability>__` prefix. */
  upstreams: readonly McpClient[];
  /** The name and version the proxy reports in `initialize` (default `hud`, `0.0.0`). */
  serverInfo?: { name: string; version: string };
  /** The MCP channel's input (default `process.stdin`); its end closes the proxy. */
  stdin?: Readable;
  /** The MCP channel's output (default `process.stdout`): nothing else may write to it. */
  stdout?: Writable;
}

/** A running {@link serveMcpStdioProxy}. */
export interface McpStdioProxy extends AsyncDisposable {
  /** Resolves once the proxy closed: its input ended, or {@link McpStdioProxy.close} was called. */
  readonly closed: Promise<void>;
  /** Stops serving (the upstream clients stay open: their owner closes them). Idempotent. */
  close(): Promise<void>;
}

interface Route {
  client: McpClient;
  tool: string;
}

/**
 * Serves the tools of `upstreams` as one MCP server over stdio (newline-delimited JSON-RPC, what editors
 * launch): `tools/list` lists every upstream's tools (schemas passed through verbatim), `tools/call` is
 * forwarded to the owning upstream and its result returned unchanged. Behind `hud serve --mcp`.
 * Tool names are the upstream's, or `<capability name>__<tool>` when there are several upstreams (the agents'
 * rule, hud-python spec §7.4).
 * @throws HudError `invalid_argument` without upstreams.
 */
export async function serveMcpStdioProxy(options: McpStdioProxyOptions): Promise<McpStdioProxy> {
  if (options.upstreams.length === 0) {
    throw new HudError('invalid_argument', 'serveMcpStdioProxy: no MCP capability to proxy');
  }
  const [{ Server }, { StdioServerTransport }, { CallToolRequestSchema, ListToolsRequestSchema }] =
    await Promise.all([
      import('@modelcontextprotocol/sdk/server/index.js'),
      import('@modelcontextprotocol/sdk/server/stdio.js'),
      import('@modelcontextprotocol/sdk/types.js'),
    ]);
  const prefixed = options.upstreams.length > 1;
  const routes = new Map<string, Route>();
  const listAll = async (signal?: AbortSignal): Promise<McpTool[]> => {
    const all: McpTool[] = [];
    routes.clear();
    for (const client of options.upstreams) {
      for (const tool of await client.listTools({ signal })) {
        const name = prefixed ? `${client.binding.name}__${tool.name}` : tool.name;
        routes.set(name, { client, tool: tool.name });
        all.push({ ...tool, name });
      }
    }
    return all;
  };

  const server = new Server(options.serverInfo ?? { name: 'hud', version: '0.0.0' }, {
    capabilities: { tools: {} },
  });
  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => ({
    tools: await listAll(extra.signal),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    if (!routes.has(name)) await listAll(extra.signal);
    const route = routes.get(name);
    if (!route) {
      return { content: [{ type: 'text', text: `unknown tool: '${name}'` }], isError: true };
    }
    const result = await route.client.callTool(route.tool, request.params.arguments ?? {}, {
      signal: extra.signal,
    });
    return { ...result };
  });

  const stdin = options.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stdin.off('end', onEnd);
      await server.close().catch(() => {});
      markClosed();
    })();
    return closing;
  };
  const onEnd = () => void close();
  // The SDK's stdio transport does not watch for the end of its input: an editor closing the pipe ends us.
  stdin.once('end', onEnd);
  server.onclose = () => void close();
  await server.connect(transport);
  return { closed, close, [Symbol.asyncDispose]: close };
}
