import type Anthropic from '@anthropic-ai/sdk';
import type { RfbClient, SshClient } from '@hud/protocol';
import { browserToolProvider } from '../../tools/browser-tools.js';
import { mcpToolProvider } from '../../tools/mcp-tools.js';
import { workspaceTools } from '../../tools/ssh-tools.js';
import type { AgentTool, ToolProvider } from '../../tools/tool.js';
import { claudeComputerTool } from './claude-computer.js';

/** The name of Claude's text editor tool (`text_editor_20250728`). */
export const CLAUDE_EDITOR_TOOL_NAME = 'str_replace_based_edit_tool';

type NativeTool =
  | { kind: 'bash' }
  | { kind: 'editor' }
  | { kind: 'computer'; width: number; height: number };

/** Tools Claude knows natively, keyed by the tool object (`buildToolset` keeps it when names are valid). */
const nativeTools = new WeakMap<AgentTool, NativeTool>();

function native<T extends AgentTool>(tool: T, spec: NativeTool): T {
  nativeTools.set(tool as AgentTool, spec);
  return tool;
}

/** `bash` and `str_replace_based_edit_tool` over the first `ssh/2` workspace, as Claude's native tools. */
const claudeShellProvider: ToolProvider = {
  protocol: 'ssh',
  create(client) {
    const [bash, editor] = workspaceTools(client as SshClient, {
      editor: { name: CLAUDE_EDITOR_TOOL_NAME },
    });
    return [
      native(bash as AgentTool, { kind: 'bash' }),
      native(editor as AgentTool, { kind: 'editor' }),
    ];
  },
};

/** Claude's `computer` over the first `rfb/*` screen, sized to its framebuffer. */
const claudeComputerProvider: ToolProvider = {
  protocol: 'rfb',
  create(client) {
    const screen = client as RfbClient;
    return [
      native(claudeComputerTool(screen) as AgentTool, {
        kind: 'computer',
        width: screen.width,
        height: screen.height,
      }),
    ];
  },
};

/**
 * The tools of the `claude` harness in catalog order (hud-python `ClaudeAgent`, spec §7.5): the shell
 * workspace's bash and editor, the screen's computer, every MCP tool, then the browser tools.
 */
export const claudeToolProviders: readonly ToolProvider[] = [
  claudeShellProvider,
  claudeComputerProvider,
  mcpToolProvider,
  browserToolProvider,
];

/** Models that only know the January 2025 computer tool (spec §7.5); newer and unknown ones get the newest. */
const OLD_COMPUTER_MODELS =
  /sonnet-4-5|haiku-4-5|sonnet-4(-0)?($|-\d{8})|opus-4(-[01])?($|-\d{8})|3-7-sonnet/;

/** The tool definitions a request sends, and the betas they need. */
export interface ClaudeToolParams {
  tools: Anthropic.Beta.BetaToolUnion[];
  betas: string[];
}

/**
 * Formats tools for the Messages API: `bash_20250124`, `text_editor_20250728`, the beta computer tool
 * (`computer_20251124` with `computer-use-2025-11-24`, or `computer_20250124` with `computer-use-2025-01-24`
 * for models that predate it; display size = framebuffer) and every other tool as a custom tool with its
 * `input_schema`.
 */
export function claudeToolParams(tools: readonly AgentTool[], model: string): ClaudeToolParams {
  const betas = new Set<string>();
  const params = tools.map((tool): Anthropic.Beta.BetaToolUnion => {
    const spec = nativeTools.get(tool);
    switch (spec?.kind) {
      case 'bash':
        return { type: 'bash_20250124', name: 'bash' };
      case 'editor':
        return { type: 'text_editor_20250728', name: CLAUDE_EDITOR_TOOL_NAME };
      case 'computer': {
        const size = { display_width_px: spec.width, display_height_px: spec.height };
        if (OLD_COMPUTER_MODELS.test(model)) {
          betas.add('computer-use-2025-01-24');
          return { type: 'computer_20250124', name: 'computer', ...size };
        }
        betas.add('computer-use-2025-11-24');
        return { type: 'computer_20251124', name: 'computer', ...size };
      }
      default:
        return {
          name: tool.name,
          description: tool.description,
          input_schema: tool.inputSchema as Anthropic.Beta.BetaTool.InputSchema,
        };
    }
  });
  return { tools: params, betas: [...betas] };
}
