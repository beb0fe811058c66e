import type { SshClient } from '@hud/protocol';
import { type BashToolOptions, bashTool } from './bash-tool.js';
import { type EditorToolOptions, editorTool } from './editor-tool.js';
import type { AgentTool, ToolProvider } from './tool.js';
import type { WorkspaceShell } from './workspace-paths.js';

/** Options of {@link workspaceTools} / {@link sshToolProvider}. */
export interface WorkspaceToolsOptions {
  bash?: BashToolOptions;
  editor?: EditorToolOptions;
}

/** The `bash` and `editor` tools over one `ssh/2` workspace client. */
export function workspaceTools(
  shell: WorkspaceShell,
  options: WorkspaceToolsOptions = {},
): AgentTool[] {
  return [bashTool(shell, options.bash), editorTool(shell, options.editor)];
}

/**
 * The {@link ToolProvider} for shell workspaces: for the first `ssh/2` binding (hud-python opens only the
 * first per protocol, spec §7.4), the `bash` and `editor` tools over its `SshClient`.
 * @example
 * const tools = await buildToolset(context, [sshToolProvider(), mcpToolProvider()]);
 */
export function sshToolProvider(options: WorkspaceToolsOptions = {}): ToolProvider {
  return {
    protocol: 'ssh',
    create: (client) => workspaceTools(client as SshClient, options),
  };
}
