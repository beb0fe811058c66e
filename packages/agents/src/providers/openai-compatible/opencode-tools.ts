import type { JsonObject, SshClient } from '@hud/protocol';
import { bashTool, DEFAULT_BASH_TOOL_TIMEOUT_MS } from '../../tools/bash-tool.js';
import { type AgentTool, errorOutput, type ToolProvider } from '../../tools/tool.js';
import { WorkspacePaths, type WorkspaceShell } from '../../tools/workspace-paths.js';
import { isOutput, optionalInteger, requireString, resolveInside } from './opencode-common.js';
import { editTool, readTool, writeTool } from './opencode-files.js';
import { globTool, grepTool } from './opencode-search.js';

/** Options of {@link openCodeTools} / {@link openCodeToolProvider}. */
export interface OpenCodeToolsOptions {
  /** Longest a `bash` command may run, ms (default 120 000); the model's `timeout` may ask for less. */
  bashTimeoutMs?: number;
  /** Cap of a `bash` result, bytes (default 32 KiB, middle cut). */
  bashOutputBytes?: number;
  /** Cap of a `read` result, bytes (default 50 KiB, continued with `offset`). */
  readOutputBytes?: number;
}

/**
 * The OpenCode-style `bash` tool: runs `command` in a fresh login shell in the workspace directory (or
 * `workdir`, which must be a directory inside the workspace), stopped after `timeout` ms; output in
 * hud-python's `SSHTool.bash` format (`$ command`, stdout, `stderr:` block, `(exit N)`; `isError` on a
 * non-zero exit or a timeout).
 */
export function openCodeBashTool(
  shell: WorkspaceShell,
  paths: WorkspacePaths,
  options: OpenCodeToolsOptions = {},
): AgentTool {
  const limitMs = options.bashTimeoutMs ?? DEFAULT_BASH_TOOL_TIMEOUT_MS;
  const toolOptions = { timeoutMs: limitMs, maxOutputBytes: options.bashOutputBytes };
  return {
    name: 'bash',
    description:
      'Run a shell command in the workspace (a fresh bash login shell each time, starting in the ' +
      'workspace directory or workdir; cd and variables do not carry over). Returns stdout, stderr and ' +
      `the exit code. Commands stop after ${Math.round(limitMs / 1000)} s, or after timeout ms. Prefer ` +
      'read, glob, grep, edit and write for files.',
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command to run.' },
        timeout: {
          type: 'integer',
          minimum: 1,
          description: 'A time limit for this command, in milliseconds.',
        },
        workdir: {
          type: 'string',
          description: 'The directory to run the command in (default: the workspace directory).',
        },
        description: {
          type: 'string',
          description: 'What the command does, in a few words (for the trace).',
        },
      },
      required: ['command'],
    },
    async run(input: JsonObject, runOptions = {}) {
      const { signal } = runOptions;
      const command = requireString('bash', input, 'command');
      if (isOutput(command)) return command;
      const timeout = optionalInteger('bash', input, 'timeout', 1);
      if (isOutput(timeout)) return timeout;
      let runIn: WorkspaceShell = shell;
      const { workdir } = input;
      if (workdir !== undefined && workdir !== null && workdir !== '') {
        if (typeof workdir !== 'string') return errorOutput("bash: 'workdir' must be a string");
        const target = await resolveInside(paths, workdir, signal);
        if (isOutput(target)) return target;
        if (target.kind !== 'directory') {
          return errorOutput(`workdir ${target.path} is not a directory in the workspace`);
        }
        runIn = {
          cwd: target.path,
          readText: shell.readText.bind(shell),
          writeText: shell.writeText.bind(shell),
          exec: (script, execOptions) => shell.exec(script, { ...execOptions, cwd: target.path }),
        };
      }
      return bashTool(runIn, toolOptions).run(
        { command, ...(timeout !== undefined ? { timeout_ms: timeout } : {}) },
        runOptions,
      );
    },
  };
}

/**
 * The OpenCode-style workspace tools over one `ssh/2` client, in this order: `bash`, `read`, `glob`,
 * `grep`, `edit`, `write` (hud-python 0.6.16 `OpenAIChatAgent`, spec §7.5). File paths are absolute or
 * relative to the workspace directory and confined to it ({@link WorkspacePaths}: symlinks included).
 */
export function openCodeTools(
  shell: WorkspaceShell,
  options: OpenCodeToolsOptions = {},
): AgentTool[] {
  const paths = new WorkspacePaths(shell);
  return [
    openCodeBashTool(shell, paths, options),
    readTool(shell, paths, { maxOutputBytes: options.readOutputBytes }),
    globTool(shell, paths),
    grepTool(shell, paths),
    editTool(shell, paths),
    writeTool(shell, paths),
  ];
}

/**
 * The {@link ToolProvider} of the `openai_compatible` harness for shell workspaces: the
 * {@link openCodeTools} over the first `ssh/2` binding.
 * @example
 * const tools = await buildToolset(context, [openCodeToolProvider(), mcpToolProvider]);
 */
export function openCodeToolProvider(options: OpenCodeToolsOptions = {}): ToolProvider {
  return {
    protocol: 'ssh',
    create: (client) => openCodeTools(client as SshClient, options),
  };
}
