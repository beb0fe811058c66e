import { bashTool } from '../../tools/bash-tool.js';
import { occurrences } from '../../tools/editor-tool.js';
import { type AgentTool, errorOutput, textOutput } from '../../tools/tool.js';
import {
  type GeminiWorkspace,
  guarded,
  optionalString,
  requiredString,
  shellIn,
  ToolInputError,
} from './gemini-workspace.js';

// Gemini CLI's coding tools (hud-python `hud/agents/gemini/tools/coding.py`): shell, edit, write.

/**
 * `run_shell_command {command, description?, dir_path?}`: a bash command in the workspace (or
 * `dir_path`), reported in the bash tool's format.
 */
export function runShellCommandTool(workspace: GeminiWorkspace, timeoutMs: number): AgentTool {
  return {
    name: 'run_shell_command',
    description:
      'Run a bash command in the workspace and get its stdout, stderr and exit code. Each command runs in ' +
      'a fresh login shell (state such as `cd` or variables does not carry over), in the workspace ' +
      `directory or in \`dir_path\`. Commands are killed after ${Math.round(timeoutMs / 1000)} s.`,
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The exact bash command to run.' },
        description: { type: 'string', description: 'A brief note on what the command does.' },
        dir_path: {
          type: 'string',
          description:
            'Directory to run the command in, relative to the workspace (default: its root).',
        },
      },
      required: ['command'],
    },
    run: (input, runOptions = {}) =>
      guarded('run_shell_command', async () => {
        const command = requiredString(input, 'command');
        const dirPath = optionalString(input, 'dir_path');
        const where =
          dirPath === undefined
            ? workspace.shell
            : shellIn(
                workspace.shell,
                (await workspace.directory(dirPath, runOptions.signal)).path,
              );
        const bash = bashTool(where, {
          name: 'run_shell_command',
          timeoutMs,
          maxOutputBytes: workspace.maxBytes,
        });
        return bash.run({ command }, runOptions);
      }),
  };
}

/**
 * `replace {file_path, instruction?, old_string, new_string}`: the first occurrence replaced; an
 * empty `old_string` creates a new file.
 */
export function replaceTool(workspace: GeminiWorkspace): AgentTool {
  return {
    name: 'replace',
    description:
      'Replace text in a file: `old_string` must match the file exactly (whitespace and indentation ' +
      'included, with a few lines of context so it is unique); its first occurrence becomes ' +
      '`new_string`. An empty `old_string` creates a new file holding `new_string`.',
    inputSchema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'The file to change.' },
        instruction: { type: 'string', description: 'What the change does and why.' },
        old_string: {
          type: 'string',
          description: 'The exact text to replace (empty: create the file).',
        },
        new_string: { type: 'string', description: 'The text to put in its place.' },
      },
      required: ['file_path', 'old_string', 'new_string'],
    },
    run: (input, runOptions = {}) =>
      guarded('replace', async () => {
        const { signal } = runOptions;
        const target = await workspace.resolve(requiredString(input, 'file_path'), signal);
        const oldString = input.old_string ?? '';
        const newString = input.new_string ?? '';
        if (typeof oldString !== 'string' || typeof newString !== 'string') {
          throw new ToolInputError("'old_string' and 'new_string' must be strings");
        }
        if (target.kind === 'directory') throw new ToolInputError(`${target.path} is a directory`);
        if (oldString === '') {
          if (target.kind !== 'missing') {
            return errorOutput(
              `${target.path} already exists; give a non-empty old_string to edit it, or use write_file to overwrite it.`,
            );
          }
          await workspace.writeFile(target, newString, signal);
          return textOutput(`Created new file: ${target.path} with the provided content.`);
        }
        if (target.kind !== 'file') {
          return errorOutput(
            `${target.path} does not exist; an empty old_string creates a new file.`,
          );
        }
        const text = await workspace.shell.readText(target.path, { signal });
        const count = occurrences(text, oldString);
        if (count === 0) {
          return errorOutput(
            `No edit made: old_string was not found in ${target.path} (0 occurrences). Check the exact text, whitespace and indentation with read_file.`,
          );
        }
        const at = text.indexOf(oldString);
        await workspace.shell.writeText(
          target.path,
          text.slice(0, at) + newString + text.slice(at + oldString.length),
          {
            signal,
          },
        );
        const line = text.slice(0, at).split('\n').length;
        return textOutput(
          count === 1
            ? `Successfully modified file: ${target.path} (1 replacement, at line ${line}).`
            : `Successfully modified file: ${target.path} (replaced the first of ${count} occurrences, at line ${line}; the others are unchanged).`,
        );
      }),
  };
}

/** `write_file {file_path, content}`: creates (with parents) or overwrites a file. */
export function writeFileTool(workspace: GeminiWorkspace): AgentTool {
  return {
    name: 'write_file',
    description:
      'Write `content` to a file, creating it (and its parent directories) or replacing what it held.',
    inputSchema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'The file to write.' },
        content: { type: 'string', description: 'The whole new content of the file.' },
      },
      required: ['file_path', 'content'],
    },
    run: (input, runOptions = {}) =>
      guarded('write_file', async () => {
        const target = await workspace.resolve(
          requiredString(input, 'file_path'),
          runOptions.signal,
        );
        const content = input.content ?? '';
        if (typeof content !== 'string') throw new ToolInputError("'content' must be a string");
        if (target.kind === 'directory') throw new ToolInputError(`${target.path} is a directory`);
        await workspace.writeFile(target, content, runOptions.signal);
        return textOutput(
          target.kind === 'missing'
            ? `Successfully created and wrote to new file: ${target.path}.`
            : `Successfully overwrote file: ${target.path}.`,
        );
      }),
  };
}
