import type { FunctionDeclaration, Tool } from '@google/genai';
import type { RfbClient, SshClient } from '@hud/protocol';
import { browserToolProvider } from '../../tools/browser-tools.js';
import { mcpToolProvider } from '../../tools/mcp-tools.js';
import type { AgentTool, ToolProvider } from '../../tools/tool.js';
import { geminiComputerTools, isGeminiComputerTool } from './gemini-computer.js';
import { geminiParameters } from './gemini-schema.js';
import { geminiWorkspaceTools } from './gemini-workspace-tools.js';

/**
 * The tools of the `gemini` harness in catalog order (hud-python `GeminiAgent.tool_catalog`, spec §7.5):
 * the shell workspace's Gemini CLI tools (`run_shell_command`, `replace`, `write_file`, `read_file`,
 * `grep_search`, `glob`, `list_directory`), the screen's predefined computer-use functions, every MCP tool,
 * then the browser tools.
 */
export const geminiToolProviders: readonly ToolProvider[] = [
  { protocol: 'ssh', create: (client) => geminiWorkspaceTools(client as SshClient) },
  { protocol: 'rfb', create: (client) => geminiComputerTools(client as RfbClient) },
  mcpToolProvider,
  browserToolProvider,
];

/** How the screen's functions are offered: Gemini's `computerUse` tool, or as declared functions. */
export type ComputerUseMode = 'native' | 'functions';

/** What {@link geminiToolParams} needs besides the tools. */
export interface GeminiToolSettings {
  /** `native` (default): a `computerUse` tool; `functions`: the functions declared like any other. */
  computerUse: ComputerUseMode;
  /** Predefined computer-use functions the model may not call. */
  excludedFunctions: readonly string[];
  /** Add Google Search grounding (hud-python `citations_enabled`). */
  googleSearch: boolean;
}

/** The request's `tools`, and the way back from a function name to the tool the loop knows. */
export interface GeminiToolParams {
  tools: Tool[];
  /** Declared (or predefined) function name → {@link AgentTool} name. */
  toolNames: ReadonlyMap<string, string>;
  /** {@link AgentTool} name → the function name Gemini knows it by. */
  functionNames: ReadonlyMap<string, string>;
}

/**
 * A function name Gemini accepts: names must start with a letter or `_` (tool names are already
 * `[A-Za-z0-9_-]{1,64}`, see `providerToolName`), so a leading digit or `-` gets a `_` in front.
 */
export function geminiFunctionName(name: string): string {
  return /^[A-Za-z_]/.test(name) ? name : `_${name}`;
}

/**
 * The `tools` of a generateContent request: one tool holding a `functionDeclarations` entry per
 * {@link AgentTool} (its JSON Schema reduced to Gemini's subset, sent as `parametersJsonSchema`), then
 * `computerUse` (`ENVIRONMENT_BROWSER`, with `excludedPredefinedFunctions`) when a screen's functions are
 * among the tools, then `googleSearch` when asked for.
 */
export function geminiToolParams(
  tools: readonly AgentTool[],
  settings: GeminiToolSettings,
): GeminiToolParams {
  const toolNames = new Map<string, string>();
  const functionNames = new Map<string, string>();
  const declarations: FunctionDeclaration[] = [];
  let computerUse = false;
  for (const tool of tools) {
    const name = geminiFunctionName(tool.name);
    toolNames.set(name, tool.name);
    functionNames.set(tool.name, name);
    if (isGeminiComputerTool(tool)) {
      computerUse = true;
      if (settings.computerUse === 'native' || settings.excludedFunctions.includes(name)) continue;
    }
    declarations.push({
      name,
      description: tool.description,
      parametersJsonSchema: geminiParameters(tool.inputSchema),
    });
  }
  const params: Tool[] = [];
  if (declarations.length > 0) params.push({ functionDeclarations: declarations });
  if (computerUse && settings.computerUse === 'native') {
    params.push({
      computerUse: {
        environment: 'ENVIRONMENT_BROWSER' as NonNullable<Tool['computerUse']>['environment'],
        ...(settings.excludedFunctions.length > 0
          ? { excludedPredefinedFunctions: [...settings.excludedFunctions] }
          : {}),
      },
    });
  }
  if (settings.googleSearch) params.push({ googleSearch: {} });
  return { tools: params, toolNames, functionNames };
}
