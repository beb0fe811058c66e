import type { McpClient, McpContent, McpTool, McpToolResult } from '@hud/protocol';
import {
  type AgentTool,
  errorOutput,
  type ToolContent,
  type ToolInputSchema,
  type ToolOutput,
  type ToolProvider,
} from './tool.js';

/** Options of {@link mcpTools}. */
export interface McpToolsOptions {
  /** Prefix tool names with `<prefix>__` (hud-python does so with the capability name when several MCP bindings are open). */
  prefix?: string;
}

/**
 * One {@link AgentTool} per tool the MCP server lists (hud-python `MCPTool`, spec §7.4): name, description
 * and input schema passed through, calls proxied with `callTool`, results mapped by {@link mcpToolOutput}.
 * A tool without a description gets a generic one (hud-python raises for Claude and OpenAI instead).
 * @throws the errors of `McpClient.listTools`.
 */
export async function mcpTools(
  client: McpClient,
  options: McpToolsOptions = {},
): Promise<AgentTool[]> {
  const listed = await client.listTools();
  return listed.map((tool) => mcpAgentTool(client, tool, options.prefix));
}

function mcpAgentTool(client: McpClient, tool: McpTool, prefix: string | undefined): AgentTool {
  const description =
    tool.description?.trim() ||
    tool.title?.trim() ||
    `The '${tool.name}' tool of MCP capability '${client.binding.name}'.`;
  return {
    name: prefix === undefined ? tool.name : `${prefix}__${tool.name}`,
    description,
    inputSchema: { ...tool.inputSchema, type: 'object' } as ToolInputSchema,
    async run(input, options = {}) {
      let result: McpToolResult;
      try {
        result = await client.callTool(tool.name, input, { signal: options.signal });
      } catch (error) {
        // A refusal by the server (an MCP error reply) is the model's to fix; a lost connection is not.
        if (isMcpErrorReply(error)) return errorOutput((error as Error).message);
        throw error;
      }
      return mcpToolOutput(result);
    },
  };
}

/** An SDK `McpError` (a JSON-RPC error reply): it has a numeric `code` and is not a transport failure. */
function isMcpErrorReply(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'McpError' &&
    typeof (error as { code?: unknown }).code === 'number'
  );
}

/**
 * Maps an MCP tool result to a {@link ToolOutput}: text and image blocks as they are; audio, resource links
 * and embedded resources as text (embedded text resources inline, binary ones described); `isError` and
 * `structuredContent` kept. A result with structured content only gets its JSON as text, so models that
 * read only content still see it.
 */
export function mcpToolOutput(result: McpToolResult): ToolOutput {
  const content = result.content.map(contentPart);
  if (content.length === 0 && result.structuredContent !== undefined) {
    content.push({ type: 'text', text: JSON.stringify(result.structuredContent) });
  }
  const output: ToolOutput = { content };
  if (result.isError) output.isError = true;
  if (result.structuredContent !== undefined) output.structuredContent = result.structuredContent;
  return output;
}

function contentPart(part: McpContent): ToolContent {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image', data: part.data, mimeType: part.mimeType };
    case 'audio':
      return {
        type: 'text',
        text: `[audio ${part.mimeType}, ${Math.floor((part.data.length * 3) / 4)} bytes, not shown]`,
      };
    case 'resource_link':
      return {
        type: 'text',
        text: `[resource ${part.uri}${part.name ? ` "${part.name}"` : ''}${part.description ? `: ${part.description}` : ''}]`,
      };
    case 'resource': {
      const { resource } = part;
      if ('text' in resource && typeof resource.text === 'string') {
        return { type: 'text', text: resource.text };
      }
      const mimeType = resource.mimeType ? ` ${resource.mimeType}` : '';
      return { type: 'text', text: `[binary resource ${resource.uri}${mimeType}, not shown]` };
    }
    default:
      return { type: 'text', text: JSON.stringify(part) };
  }
}

/**
 * The {@link ToolProvider} of `mcp/*` bindings: every MCP binding is opened (hud-python opens all of them),
 * and with several each tool name gets the `<capability name>__` prefix.
 */
export const mcpToolProvider: ToolProvider = {
  protocol: 'mcp',
  openAll: true,
  create: (client, binding, { count }) =>
    mcpTools(client as McpClient, count > 1 ? { prefix: binding.name } : {}),
};
