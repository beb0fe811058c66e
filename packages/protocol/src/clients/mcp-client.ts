import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { parseBindingUrl } from '../binding-url.js';
import { HudError } from '../errors.js';
import { isRecord } from '../guards.js';
import {
  type ProtocolClient,
  type ProtocolClientContext,
  registerProtocolClient,
} from '../protocol-clients.js';
import type { JsonObject } from '../schemas.js';
import { asConnectionError } from './mcp-connection-error.js';

/** The binding fields {@link McpClient.connect} reads (a `hello` binding or an env-side capability record). */
export interface McpBinding {
  readonly name: string;
  readonly protocol: string;
  readonly url: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** A tool as the server lists it (MCP `Tool`: name, description, JSON Schema input, annotations...). */
export type McpTool = Tool;

/** One content block of a tool result (MCP: text, image, audio, resource link, embedded resource). */
export type McpContent = CallToolResult['content'][number];

/**
 * A tool call's outcome, normalised as hud-python's `MCPClient.call_tool` does: `content` always present
 * (`[]` when the server sent none), `isError` always a boolean.
 */
export interface McpToolResult {
  content: McpContent[];
  isError: boolean;
  structuredContent?: JsonObject;
}

/** Per-call options of {@link McpClient.callTool} and {@link McpClient.listTools}. */
export interface McpCallOptions {
  /** Rejects the call (and cancels it on the server) when aborted. */
  signal?: AbortSignal;
  /** Reply deadline in ms (default 600 000, hud-python's `HUD_CLIENT_TIMEOUT`). */
  timeoutMs?: number;
}

/** Default reply deadline of a tool call, ms (hud-python `HUD_CLIENT_TIMEOUT` = 600 s). */
export const MCP_DEFAULT_TIMEOUT_MS = 600_000;

const CLIENT_INFO = { name: 'hud-ts', version: '0.0.0' } as const;

/**
 * The agent-side client of an `mcp/2025-11-25` capability (hud-python `MCPClient`, spec §3.3), built on the
 * official SDK (`@modelcontextprotocol/sdk` v1, loaded on first connect). The transport follows
 * `params.transport`: `streamable-http` (default for http URLs), `sse`, or `websocket`; `params.auth_token`
 * is sent as a Bearer token (HTTP transports only).
 * @example
 * const tools = await client.open<McpClient>('tools');
 * for (const tool of await tools.listTools()) console.log(tool.name, tool.description);
 * const { content, isError } = await tools.callTool('kv_get', { key: 'greeting' });
 */
export class McpClient implements ProtocolClient, AsyncDisposable {
  /** The binding this client is connected to. */
  readonly binding: McpBinding;
  readonly #client: Client;
  #closing: Promise<void> | undefined;

  private constructor(binding: McpBinding, client: Client) {
    this.binding = binding;
    this.#client = client;
  }

  /**
   * Connects and runs the MCP `initialize` handshake.
   * @throws HudError `connection_failed` when the server cannot be reached (retried by `HudClient.open`);
   *   `invalid_argument` for an unknown `params.transport` or a URL that does not fit it; the SDK's error
   *   when the handshake fails.
   */
  static async connect(
    binding: McpBinding,
    _context: ProtocolClientContext = {},
  ): Promise<McpClient> {
    const [{ Client }, transport] = await Promise.all([
      import('@modelcontextprotocol/sdk/client/index.js'),
      createTransport(binding),
    ]);
    const client = new Client(CLIENT_INFO);
    try {
      await client.connect(transport);
    } catch (error) {
      await client.close().catch(() => {});
      throw asConnectionError(error, `MCP capability '${binding.name}' at ${binding.url}`);
    }
    return new McpClient(binding, client);
  }

  /** The underlying SDK client, for MCP features beyond tools (resources, prompts...). */
  get sdk(): Client {
    return this.#client;
  }

  /**
   * Every tool the server offers, following `nextCursor` pages.
   * @throws the SDK's McpError for an error reply; HudError `connection_failed` when the server is gone.
   */
  async listTools(options: McpCallOptions = {}): Promise<McpTool[]> {
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#request(`listing tools`, () =>
        this.#client.listTools(
          cursor === undefined ? undefined : { cursor },
          requestOptions(options),
        ),
      );
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return tools;
  }

  /**
   * Calls tool `name` with `args`. A failing tool resolves with `isError: true` (its message in `content`).
   * @throws the SDK's McpError when the server refuses the call (e.g. an unknown tool, -32602);
   *   HudError `connection_failed` when the server is gone; the abort reason or a timeout error.
   */
  async callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: McpCallOptions = {},
  ): Promise<McpToolResult> {
    const result = await this.#request(`calling tool '${name}'`, () =>
      this.#client.callTool({ name, arguments: args }, undefined, requestOptions(options)),
    );
    const normalised: McpToolResult = {
      content: Array.isArray(result.content) ? (result.content as McpContent[]) : [],
      isError: result.isError === true,
    };
    if (isRecord(result.structuredContent)) normalised.structuredContent = result.structuredContent;
    return normalised;
  }

  /** Closes the session (terminating it on the server for streamable HTTP). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const transport = this.#client.transport as { terminateSession?: () => Promise<void> };
      if (transport && typeof transport.terminateSession === 'function') {
        await transport.terminateSession().catch(() => {});
      }
      await this.#client.close().catch(() => {});
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #request<T>(what: string, send: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) {
      throw new HudError('connection_closed', `MCP client '${this.binding.name}' is closed`);
    }
    try {
      return await send();
    } catch (error) {
      throw asConnectionError(error, `${what} on MCP capability '${this.binding.name}'`);
    }
  }
}

function requestOptions(options: McpCallOptions): { signal?: AbortSignal; timeout: number } {
  const timeout = options.timeoutMs ?? MCP_DEFAULT_TIMEOUT_MS;
  return options.signal === undefined ? { timeout } : { signal: options.signal, timeout };
}

/** The SDK transport `params.transport` names (defaulted by scheme, as hud-python's `from_manifest`). */
async function createTransport(binding: McpBinding): Promise<Transport> {
  const url = parseBindingUrl(binding, 'MCP');
  const scheme = url.protocol.replace(/:$/, '');
  const params = binding.params ?? {};
  const transport =
    typeof params.transport === 'string'
      ? params.transport
      : scheme === 'ws' || scheme === 'wss'
        ? 'websocket'
        : 'streamable-http';
  const token = typeof params.auth_token === 'string' ? params.auth_token : undefined;
  const requestInit: RequestInit | undefined =
    token === undefined ? undefined : { headers: { Authorization: `Bearer ${token}` } };
  const http = scheme === 'http' || scheme === 'https';
  switch (transport) {
    case 'streamable-http': {
      if (!http) break;
      const { StreamableHTTPClientTransport } = await import(
        '@modelcontextprotocol/sdk/client/streamableHttp.js'
      );
      return new StreamableHTTPClientTransport(url, { requestInit });
    }
    case 'sse': {
      if (!http) break;
      const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
      return new SSEClientTransport(url, { requestInit });
    }
    case 'websocket': {
      if (scheme !== 'ws' && scheme !== 'wss') break;
      const { WebSocketClientTransport } = await import(
        '@modelcontextprotocol/sdk/client/websocket.js'
      );
      return new WebSocketClientTransport(url);
    }
    default:
      throw new HudError(
        'invalid_argument',
        `MCP capability '${binding.name}': unknown transport '${transport}' (expected streamable-http, sse or websocket)`,
      );
  }
  throw new HudError(
    'invalid_argument',
    `MCP capability '${binding.name}': transport '${transport}' does not fit the url scheme '${scheme}:'`,
  );
}

// `HudClient.open` on any `mcp/*` binding (hud-python registers `mcp/2025-11-25`; a family covers later revisions).
registerProtocolClient('mcp', (binding, context) => McpClient.connect(binding, context));
