import { createHash } from 'node:crypto';
import {
  type Capability,
  type HudClient,
  type ImageContent,
  type JsonObject,
  type ProtocolClient,
  protocolFamily,
  type TextContent,
} from '@hud/protocol';
import { AgentError } from '../errors.js';

/** One part of a tool's output: text, or a base64 image with its MIME type (MCP content blocks). */
export type ToolContent = TextContent | ImageContent;

/** What a tool returns (MCP `CallToolResult`): content parts, an error flag, optional structured data. */
export interface ToolOutput {
  content: ToolContent[];
  /** True when the call failed; the content then explains why (providers format it as an error result). */
  isError?: boolean;
  structuredContent?: JsonObject;
}

/** Per-call options of {@link AgentTool.run}. */
export interface ToolRunOptions {
  /** Aborted when the run's time limit passes or the job is cancelled: stop promptly and reject. */
  signal?: AbortSignal;
}

/** A JSON Schema object describing a tool's input (`{type: 'object', properties, required}`). */
export type ToolInputSchema = JsonObject & { type: 'object' };

/**
 * A provider-neutral tool an agent harness offers a model: the harness maps `name`, `description` and
 * `inputSchema` to its provider's tool format and calls `run` with the model's parsed arguments.
 * Expected failures (a bad path, a non-zero exit) resolve with `isError: true`; `run` rejects only for
 * failures of the tool itself (a lost connection, an abort).
 */
export interface AgentTool<Input = JsonObject> {
  /** The tool name the model sees (already valid for providers, see {@link providerToolName}). */
  readonly name: string;
  /** One or two sentences telling the model what the tool does and when to use it. */
  readonly description: string;
  readonly inputSchema: ToolInputSchema;
  run(input: Input, options?: ToolRunOptions): Promise<ToolOutput>;
}

/** A text-only {@link ToolOutput}. */
export function textOutput(text: string, options: { isError?: boolean } = {}): ToolOutput {
  const output: ToolOutput = { content: [{ type: 'text', text }] };
  if (options.isError === true) output.isError = true;
  return output;
}

/** An error {@link ToolOutput} carrying `message`. */
export function errorOutput(message: string): ToolOutput {
  return textOutput(message, { isError: true });
}

/** An image part as a `data:` URL (`data:image/png;base64,…`), the form OpenAI-style APIs take images in. */
export function dataUrl(image: Pick<ImageContent, 'data' | 'mimeType'>): string {
  return `data:${image.mimeType};base64,${image.data}`;
}

/**
 * Builds the tools for one opened capability client. Register one per capability kind (`ssh`, `rfb`, `mcp`)
 * and pass them to {@link buildToolset} in catalog order.
 */
export interface ToolProvider {
  /** The protocol id (`ssh/2`) or family (`ssh`) whose bindings this provider serves. */
  readonly protocol: string;
  /** Open every matching binding (MCP) instead of only the first (ssh, rfb); hud-python spec §7.4. */
  readonly openAll?: boolean;
  /**
   * The tools for one opened client. `count` is how many bindings of this provider were opened, so a
   * provider can prefix names with `binding.name` when there are several.
   */
  create(
    client: ProtocolClient,
    binding: Capability,
    info: { count: number },
  ): AgentTool[] | Promise<AgentTool[]>;
}

/** What {@link buildToolset} needs from an `AgentContext`. */
export interface ToolsetSource {
  readonly client: Pick<HudClient, 'open'>;
  readonly bindings: readonly Capability[];
}

function matches(provider: ToolProvider, binding: Capability): boolean {
  return (
    provider.protocol === binding.protocol || provider.protocol === protocolFamily(binding.protocol)
  );
}

/**
 * Opens the capabilities the providers serve and builds their tools, in provider order × binding order
 * (hud-python 0.6.16 `ToolAgent`, spec §7.4): only the first binding per provider is opened unless
 * `openAll`; clients come from `client.open(binding.name)`, so the HudClient owns and closes them. Names
 * are passed through {@link providerToolName}.
 * @throws AgentError `invalid_config` when two tools end up with the same name; the errors of
 *   `HudClient.open` (no registered client, connection failures).
 */
export async function buildToolset(
  source: ToolsetSource,
  providers: readonly ToolProvider[],
): Promise<AgentTool[]> {
  const tools: AgentTool[] = [];
  const names = new Set<string>();
  for (const provider of providers) {
    const all = source.bindings.filter((binding) => matches(provider, binding));
    const chosen = provider.openAll === true ? all : all.slice(0, 1);
    for (const binding of chosen) {
      const client = await source.client.open(binding.name);
      for (const tool of await provider.create(client, binding, { count: chosen.length })) {
        const name = providerToolName(tool.name);
        if (names.has(name)) {
          throw new AgentError('invalid_config', `two tools are named '${name}'; rename one`);
        }
        names.add(name);
        tools.push(name === tool.name ? tool : withName(tool, name));
      }
    }
  }
  return tools;
}

function withName(tool: AgentTool, name: string): AgentTool {
  return {
    name,
    description: tool.description,
    inputSchema: tool.inputSchema,
    run: (input, options) => tool.run(input, options),
  };
}

/**
 * A tool name providers accept (`^[A-Za-z0-9_-]{1,64}$`): runs of other characters become `_`, leading and
 * trailing `_` are stripped; a changed or over-long name becomes `<first 55 chars>_<sha256 hex[:8]>` so
 * distinct inputs stay distinct. Source: hud-python 0.6.16 `provider_tool_name` (spec §7.4).
 */
export function providerToolName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  if (cleaned === name && name.length <= 64) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${(cleaned || 'tool').slice(0, 55)}_${digest}`;
}
