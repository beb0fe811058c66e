import { DEFAULT_BASH_TOOL_TIMEOUT_MS, DEFAULT_TOOL_OUTPUT_BYTES } from '../../tools/bash-tool.js';
import type { AgentTool } from '../../tools/tool.js';
import type { WorkspaceShell } from '../../tools/workspace-paths.js';
import { replaceTool, runShellCommandTool, writeFileTool } from './gemini-coding-tools.js';
import {
  globTool,
  grepSearchTool,
  listDirectoryTool,
  readFileTool,
} from './gemini-filesystem-tools.js';
import { GeminiWorkspace } from './gemini-workspace.js';

/** Options of {@link geminiWorkspaceTools}. */
export interface GeminiWorkspaceToolsOptions {
  /** Limit of one `run_shell_command`, ms (default 120 s). */
  timeoutMs?: number;
  /** Cap of a result's text, bytes (default 32 KiB). */
  maxOutputBytes?: number;
  /** Most lines `read_file` returns without a range (default 2000). */
  maxReadLines?: number;
}

/** The names of the Gemini workspace tools, in catalog order (hud-python `GeminiAgent.tool_catalog`). */
export const GEMINI_WORKSPACE_TOOL_NAMES = [
  'run_shell_command',
  'replace',
  'write_file',
  'read_file',
  'grep_search',
  'glob',
  'list_directory',
] as const;

/**
 * The tools Gemini models know from Gemini CLI, over an `ssh/2` workspace (hud-python 0.6.16
 * `GeminiAgent`, spec §7.5): `run_shell_command`, `replace`, `write_file`, `read_file`, `grep_search`,
 * `glob` and `list_directory`. Paths are relative to the workspace directory or absolute inside it
 * (`WorkspacePaths`); a path that leaves it is an error result.
 */
export function geminiWorkspaceTools(
  shell: WorkspaceShell,
  options: GeminiWorkspaceToolsOptions = {},
): AgentTool[] {
  const workspace = new GeminiWorkspace(shell, options.maxOutputBytes ?? DEFAULT_TOOL_OUTPUT_BYTES);
  return [
    runShellCommandTool(workspace, options.timeoutMs ?? DEFAULT_BASH_TOOL_TIMEOUT_MS),
    replaceTool(workspace),
    writeFileTool(workspace),
    readFileTool(workspace, options.maxReadLines ?? 2000),
    grepSearchTool(workspace),
    globTool(workspace),
    listDirectoryTool(workspace),
  ];
}
