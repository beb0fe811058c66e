import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, HudError } from '@hud/protocol';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { CapabilityRecord } from '../capability.js';
import {
  endpointSecret,
  markProtected,
  protectionByDefault,
  secretMatches,
} from './endpoint-protection.js';

/** The protocol id MCP capabilities publish (hud-python `Capability.mcp`). */
export const MCP_PROTOCOL = 'mcp/2025-11-25';

/** What a tool handler may return: plain text, or a full MCP `CallToolResult`. */
export type McpToolReturn = string | CallToolResult;

/**
 * One tool of a simple tool list served by `env.mcp([...])`: its input is a zod raw shape (`{ key: z.string() }`)
 * the SDK validates before the handler runs. A throwing handler becomes an `isError` result with the message.
 */
export interface McpToolDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title?: string;
  /** What the tool does; agents show it to the model (required by the Claude and OpenAI tool formats). */
  description: string;
  /** The arguments as a zod raw shape; omit for a tool without arguments. */
  inputSchema?: Shape;
  annotations?: ToolAnnotations;
  handler(args: z.output<z.ZodObject<Shape>>): McpToolReturn | Promise<McpToolReturn>;
}

/**
 * Declares one tool with its handler's argument types inferred from `inputSchema` (an identity function;
 * arrays of tools lose that inference).
 * @example
 * mcpTool({ name: 'kv_get', description: 'Read a key', inputSchema: { key: z.string() }, handler: ({ key }) => store.get(key) ?? '' })
 */
export function mcpTool<Shape extends z.ZodRawShape>(
  definition: McpToolDefinition<Shape>,
): McpToolDefinition {
  return definition as unknown as McpToolDefinition;
}

/**
 * Builds a fresh `McpServer` (from `@modelcontextprotocol/sdk/server/mcp.js`). Called for every HTTP request
 * (the server is stateless), so register tools inside it and keep state outside.
 */
export type McpServerFactory = () => McpServer | Promise<McpServer>;

/** What `env.mcp()` serves: a server factory or a list of tools. */
export type McpSource = McpServerFactory | readonly McpToolDefinition[];

/** Options of `env.mcp()` and {@link McpHttpService.start}. */
export interface McpServeOptions {
  /** Capability name (default `tools`, hud-python's default). */
  name?: string;
  /** Address to bind (default `127.0.0.1`; agents reach it through `tunnel.open`). */
  host?: string;
  /** Port (default 0, any free port). */
  port?: number;
  /** HTTP path of the endpoint (default `/mcp`). */
  path?: string;
  /** Name and version reported in `initialize` for a tool list (default: the environment's). */
  serverInfo?: { name: string; version: string };
  /**
   * Host names accepted in `Host`/`Origin` besides loopback ones (`localhost`, `127.0.0.1`, `::1`): the
   * DNS-rebinding guard. Add a name only when clients reach the server under it directly.
   */
  allowedHosts?: readonly string[];
  /** Largest request body, bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /**
   * Bearer secret every request must carry (`Authorization: Bearer <authToken>`, else 401), published as
   * the capability's `params.auth_token` (hud-python `Capability.mcp(auth_token=...)`), which the MCP
   * clients of hud-python and hud-ts send. `false`: none. Default: none, unless the environment is served
   * with a token (`serve(env, {token})`, `hud serve --token`): then a fresh random secret, so that the
   * port on 127.0.0.1 is no way around the token (only clients that passed `hello` see the secret).
   */
  authToken?: string | false;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/**
 * An MCP server on streamable HTTP (stateless: a fresh server and transport per request, JSON responses),
 * built with the official SDK (v1 line, see docs/decisions/0001-mcp-sdk-v1.md). Requests whose `Host` or
 * `Origin` names a non-loopback host are refused (403) against DNS rebinding; `GET` and `DELETE` answer
 * 405, as the SDK's stateless examples do. With an `authToken`, a request without it is refused (401)
 * before anything else is looked at.
 */
export class McpHttpService implements AsyncDisposable {
  /** `http://<host>:<port><path>`. */
  readonly url: string;
  readonly port: number;
  /** The Bearer secret requests must carry, if any (published as `params.auth_token`). */
  readonly authToken: string | undefined;
  readonly #http: Server;
  #closing: Promise<void> | undefined;

  private constructor(http: Server, url: string, port: number, authToken: string | undefined) {
    this.#http = http;
    this.url = url;
    this.port = port;
    this.authToken = authToken;
  }

  /**
   * Binds the port and starts serving.
   * @throws HudError `invalid_argument` for a tool list with a duplicate or empty name, or an empty
   *   `authToken`; the listen error.
   */
  static async start(source: McpSource, options: McpServeOptions = {}): Promise<McpHttpService> {
    const factory = typeof source === 'function' ? source : await toolListFactory(source, options);
    const { StreamableHTTPServerTransport } = await import(
      '@modelcontextprotocol/sdk/server/streamableHttp.js'
    );
    const host = options.host ?? '127.0.0.1';
    const path = options.path ?? '/mcp';
    const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    const allowed = new Set(
      [...LOOPBACK_HOSTS, host, ...(options.allowedHosts ?? [])].map((name) => name.toLowerCase()),
    );
    if (options.authToken === '') {
      throw new HudError('invalid_argument', 'env.mcp: authToken must not be empty');
    }
    const authToken =
      options.authToken === false
        ? undefined
        : (options.authToken ?? (protectionByDefault() ? endpointSecret() : undefined));

    const handle = async (request: IncomingMessage, response: ServerResponse) => {
      if (authToken !== undefined && !secretMatches(bearerOf(request), authToken)) {
        response.setHeader('WWW-Authenticate', 'Bearer');
        return reply(
          response,
          401,
          ErrorCode.ServerError,
          'unauthorized: this MCP server needs the Bearer token published in its capability params (auth_token)',
        );
      }
      const requestPath = (request.url ?? '').split('?', 1)[0];
      if (requestPath !== path)
        return reply(response, 404, ErrorCode.MethodNotFound, `no MCP endpoint at ${requestPath}`);
      const refusal = hostRefusal(request, allowed);
      if (refusal) return reply(response, 403, ErrorCode.ServerError, refusal);
      if (request.method !== 'POST') {
        response.setHeader('Allow', 'POST');
        return reply(
          response,
          405,
          ErrorCode.ServerError,
          'method not allowed: this MCP server is stateless (POST only)',
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(request, maxBodyBytes));
      } catch (error) {
        const tooLarge = (error as Error).message === 'too large';
        return reply(
          response,
          tooLarge ? 413 : 400,
          ErrorCode.ParseError,
          tooLarge
            ? `request body over ${maxBodyBytes} bytes`
            : 'parse error: the body is not JSON',
        );
      }
      const server = await factory();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      response.once('close', () => {
        void transport.close().catch(() => {});
        void server.close().catch(() => {});
      });
      await server.connect(transport);
      await transport.handleRequest(request, response, body);
    };

    const http = createServer((request, response) => {
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          reply(
            response,
            500,
            ErrorCode.InternalError,
            `internal error: ${(error as Error)?.message ?? error}`,
          );
        } else response.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen({ host, port: options.port ?? 0 }, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const port = (http.address() as AddressInfo).port;
    const hostInUrl = host.includes(':') ? `[${host}]` : host;
    return new McpHttpService(http, `http://${hostInUrl}:${port}${path}`, port, authToken);
  }

  /**
   * The capability record to publish: `{name, protocol: 'mcp/2025-11-25', url, params: {transport,
   * auth_token?}}`.
   */
  capability(name = 'tools'): CapabilityRecord {
    const params: Record<string, unknown> = { transport: 'streamable-http' };
    if (this.authToken === undefined)
      return { name, protocol: MCP_PROTOCOL, url: this.url, params };
    params.auth_token = this.authToken;
    return markProtected({ name, protocol: MCP_PROTOCOL, url: this.url, params });
  }

  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A factory registering `tools` on a fresh McpServer per request. */
async function toolListFactory(
  tools: readonly McpToolDefinition[],
  options: McpServeOptions,
): Promise<McpServerFactory> {
  const names = new Set<string>();
  for (const tool of tools) {
    if (!tool.name) throw new HudError('invalid_argument', 'env.mcp: every tool needs a name');
    if (names.has(tool.name)) {
      throw new HudError('invalid_argument', `env.mcp: two tools are named '${tool.name}'`);
    }
    names.add(tool.name);
  }
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const info = options.serverInfo ?? { name: options.name ?? 'tools', version: '0.0.0' };
  return () => {
    const server = new McpServer(info, { capabilities: { tools: {} } });
    for (const tool of tools) {
      const run = async (args: unknown): Promise<CallToolResult> => {
        const result = await tool.handler(args as never);
        return typeof result === 'string' ? { content: [{ type: 'text', text: result }] } : result;
      };
      server.registerTool(
        tool.name,
        {
          title: tool.title,
          description: tool.description,
          inputSchema: tool.inputSchema ?? {},
          annotations: tool.annotations,
        },
        run,
      );
    }
    return server;
  };
}

/** Why a request must be refused by the DNS-rebinding guard, if it must. */
function hostRefusal(request: IncomingMessage, allowed: ReadonlySet<string>): string | undefined {
  const host = request.headers.host;
  if (!host) return 'missing Host header';
  const hostName = hostnameOf(`http://${host}`);
  if (hostName === undefined || !allowed.has(hostName)) return `Host '${host}' is not allowed`;
  const origin = request.headers.origin;
  // Browsers send Origin (`null` from sandboxed frames); the SDK's clients send none.
  if (origin !== undefined) {
    const originName = hostnameOf(origin);
    if (originName === undefined || !allowed.has(originName)) {
      return `Origin '${origin}' is not allowed`;
    }
  }
  return undefined;
}

/** The credentials of an `Authorization: Bearer <token>` header (the scheme is case-insensitive). */
function bearerOf(request: IncomingMessage): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
}

function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return undefined;
  }
}

function reply(response: ServerResponse, status: number, code: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.destroy();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}
