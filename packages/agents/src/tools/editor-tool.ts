import { type JsonObject, shellQuote } from '@hud/protocol';
import { DEFAULT_TOOL_OUTPUT_BYTES, truncateMiddle } from './bash-tool.js';
import { type AgentTool, errorOutput, type ToolOutput, textOutput } from './tool.js';
import { type ResolvedPath, WorkspacePaths, type WorkspaceShell } from './workspace-paths.js';

/** Options of {@link editorTool}. */
export interface EditorToolOptions {
  /** Tool name (default `editor`; Claude's text editor tool is `str_replace_based_edit_tool`). */
  name?: string;
  /** Cap of a result's text, bytes (default 32 KiB). */
  maxOutputBytes?: number;
}

/** Input of the editor tool (the shape of Anthropic's `text_editor_20250728`). */
export interface EditorToolInput extends JsonObject {
  command?: string;
  path?: string;
  file_text?: string;
  old_str?: string;
  new_str?: string;
  insert_line?: number;
  /** `[start, end]`, 1-based and inclusive; `end` -1 means to the end of the file. */
  view_range?: number[];
}

const SNIPPET_LINES = 4;

/** `lines` numbered from `first` as `cat -n` prints them. */
function numbered(lines: readonly string[], first: number): string {
  return lines.map((line, index) => `${String(first + index).padStart(6)}\t${line}`).join('\n');
}

/** The lines of `text` without the empty string after a final newline. */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/** How often `needle` occurs in `text` (non-overlapping). */
export function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Numbered lines around `[from, to]` (1-based) of `text`, for showing an edit. */
function snippet(text: string, from: number, to: number): string {
  const lines = linesOf(text);
  const start = Math.max(1, from - SNIPPET_LINES);
  const end = Math.min(lines.length, to + SNIPPET_LINES);
  return numbered(lines.slice(start - 1, end), start);
}

/**
 * A file editor over an `ssh/2` workspace with Anthropic's text-editor commands: `view` (a file with line
 * numbers, optionally a `view_range`; a directory as a listing two levels deep), `create`, `str_replace`
 * (`old_str` must occur exactly once) and `insert` (after line `insert_line`, 0 = at the top). Paths are
 * confined to the workspace directory ({@link WorkspacePaths}). Improves on hud-python, whose Claude editor
 * cannot list directories or use `view_range` (spec §12.9).
 */
export function editorTool(
  shell: WorkspaceShell,
  options: EditorToolOptions = {},
): AgentTool<EditorToolInput> {
  const name = options.name ?? 'editor';
  const maxBytes = options.maxOutputBytes ?? DEFAULT_TOOL_OUTPUT_BYTES;
  const paths = new WorkspacePaths(shell);
  const output = (text: string, isError = false): ToolOutput =>
    textOutput(truncateMiddle(text, maxBytes), { isError });

  async function view(target: ResolvedPath, input: EditorToolInput, signal?: AbortSignal) {
    if (target.kind === 'directory') {
      if (input.view_range !== undefined) {
        return errorOutput('view_range is not allowed when path is a directory');
      }
      const result = await shell.exec(
        `find ${shellQuote(target.path)} -maxdepth 2 -not -path '*/.*' | LC_ALL=C sort`,
        { signal },
      );
      return output(
        `Here are the files and directories up to 2 levels deep in ${target.path}, excluding hidden items:\n${result.stdout}`,
      );
    }
    const lines = linesOf(await shell.readText(target.path, { signal }));
    let first = 1;
    let last = lines.length;
    if (input.view_range !== undefined) {
      const range = input.view_range;
      const [start, end] = range;
      if (
        range.length !== 2 ||
        !Number.isInteger(start) ||
        !Number.isInteger(end) ||
        start === undefined ||
        end === undefined
      ) {
        return errorOutput('view_range must be two integers [start, end]');
      }
      if (start < 1 || start > Math.max(lines.length, 1)) {
        return errorOutput(`view_range start ${start} must be within [1, ${lines.length}]`);
      }
      if (end !== -1 && (end < start || end > lines.length)) {
        return errorOutput(
          `view_range end ${end} must be -1 or within [${start}, ${lines.length}]`,
        );
      }
      first = start;
      last = end === -1 ? lines.length : end;
    }
    return output(
      `Here's the result of running \`cat -n\` on ${target.path}:\n${numbered(lines.slice(first - 1, last), first)}\n`,
    );
  }

  async function create(target: ResolvedPath, input: EditorToolInput, signal?: AbortSignal) {
    if (typeof input.file_text !== 'string') return errorOutput("create needs 'file_text'");
    if (target.kind === 'directory') return errorOutput(`${target.path} is a directory`);
    const parent = target.path.slice(0, target.path.lastIndexOf('/')) || '/';
    const made = await shell.exec(`mkdir -p -- ${shellQuote(parent)}`, { signal });
    if (made.exitCode !== 0) return errorOutput(`cannot create ${parent}: ${made.stderr.trim()}`);
    await shell.writeText(target.path, input.file_text, { signal });
    return textOutput(
      target.kind === 'missing'
        ? `File created successfully at: ${target.path}`
        : `File overwritten successfully at: ${target.path}`,
    );
  }

  async function replace(target: ResolvedPath, input: EditorToolInput, signal?: AbortSignal) {
    const { old_str: oldText } = input;
    const newText = input.new_str ?? '';
    if (typeof oldText !== 'string' || oldText === '') {
      return errorOutput("str_replace needs a non-empty 'old_str'");
    }
    if (typeof newText !== 'string') return errorOutput("'new_str' must be a string");
    const text = await shell.readText(target.path, { signal });
    const count = occurrences(text, oldText);
    if (count === 0) {
      return errorOutput(
        `No replacement was performed: old_str did not appear verbatim in ${target.path} (0 occurrences).`,
      );
    }
    if (count > 1) {
      const lines = linesOf(text)
        .map((line, index) => (line.includes(oldText.split('\n')[0] ?? '') ? index + 1 : 0))
        .filter((line) => line > 0);
      return errorOutput(
        `No replacement was performed: old_str occurs ${count} times in ${target.path} (lines ${lines.join(', ')}); it must occur exactly once, so include more context.`,
      );
    }
    const at = text.indexOf(oldText);
    const updated = text.slice(0, at) + newText + text.slice(at + oldText.length);
    await shell.writeText(target.path, updated, { signal });
    const from = text.slice(0, at).split('\n').length;
    const to = from + newText.split('\n').length - 1;
    return output(
      `The file ${target.path} has been edited. Here's the result of running \`cat -n\` on a snippet:\n${snippet(updated, from, to)}\nReview the changes and make sure they are as expected.`,
    );
  }

  async function insert(target: ResolvedPath, input: EditorToolInput, signal?: AbortSignal) {
    const line = input.insert_line;
    if (typeof input.new_str !== 'string') return errorOutput("insert needs 'new_str'");
    if (typeof line !== 'number' || !Number.isInteger(line)) {
      return errorOutput("insert needs an integer 'insert_line'");
    }
    const text = await shell.readText(target.path, { signal });
    // Lines with their terminators, so the file's own line ends are kept.
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    if (line < 0 || line > lines.length) {
      return errorOutput(`insert_line ${line} must be within [0, ${lines.length}]`);
    }
    if (line === lines.length && line > 0 && !(lines[line - 1] as string).endsWith('\n')) {
      lines[line - 1] += '\n';
    }
    const inserted = input.new_str.endsWith('\n') ? input.new_str : `${input.new_str}\n`;
    const updated = lines.slice(0, line).join('') + inserted + lines.slice(line).join('');
    await shell.writeText(target.path, updated, { signal });
    return output(
      `The file ${target.path} has been edited. Here's the result of running \`cat -n\` on a snippet:\n${snippet(updated, line + 1, line + linesOf(inserted).length)}\nReview the changes and make sure they are as expected (correct indentation, no duplicate lines).`,
    );
  }

  return {
    name,
    description:
      'View and edit files in the workspace. `view` shows a file with line numbers (optionally ' +
      '`view_range` [start, end], end -1 = to the end) or lists a directory; `create` writes `file_text` ' +
      'to a new or existing file; `str_replace` replaces `old_str`, which must occur exactly once, with ' +
      '`new_str`; `insert` adds `new_str` after line `insert_line` (0 = at the top). Paths are relative ' +
      'to the workspace directory or absolute inside it.',
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', enum: ['view', 'create', 'str_replace', 'insert'] },
        path: { type: 'string', description: 'File or directory, inside the workspace.' },
        file_text: { type: 'string', description: 'create: the whole content of the file.' },
        old_str: { type: 'string', description: 'str_replace: the exact text to replace.' },
        new_str: { type: 'string', description: 'str_replace / insert: the new text.' },
        insert_line: {
          type: 'integer',
          minimum: 0,
          description: 'insert: the line to insert after.',
        },
        view_range: {
          type: 'array',
          items: { type: 'integer' },
          minItems: 2,
          maxItems: 2,
          description: 'view: [start, end] lines, 1-based; end -1 = to the end.',
        },
      },
      required: ['command', 'path'],
    },
    async run(input, runOptions = {}) {
      const { signal } = runOptions;
      if (typeof input.path !== 'string') return errorOutput(`${name}: 'path' must be a string`);
      let target: ResolvedPath;
      try {
        target = await paths.resolve(input.path, signal);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'path_outside_workspace') {
          return errorOutput((error as Error).message);
        }
        throw error;
      }
      const needsFile = input.command !== 'view' && input.command !== 'create';
      if (needsFile && target.kind !== 'file') {
        return errorOutput(
          target.kind === 'missing'
            ? `${target.path} does not exist`
            : `${target.path} is not a regular file`,
        );
      }
      if (input.command === 'view' && target.kind !== 'file' && target.kind !== 'directory') {
        return errorOutput(
          target.kind === 'missing'
            ? `${target.path} does not exist`
            : `${target.path} is neither a file nor a directory`,
        );
      }
      try {
        switch (input.command) {
          case 'view':
            return await view(target, input, signal);
          case 'create':
            return await create(target, input, signal);
          case 'str_replace':
            return await replace(target, input, signal);
          case 'insert':
            return await insert(target, input, signal);
          default:
            return errorOutput(
              `unknown command ${JSON.stringify(input.command)}; use view, create, str_replace or insert`,
            );
        }
      } catch (error) {
        // A failed remote cat/write (permissions, a vanished file) is the model's to see.
        if ((error as { code?: unknown }).code === 'command_failed') {
          return errorOutput((error as Error).message);
        }
        throw error;
      }
    },
  };
}
