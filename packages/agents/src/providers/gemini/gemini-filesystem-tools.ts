import path from 'node:path';
import { shellQuote } from '@hud/protocol';
import { truncateMiddle } from '../../tools/bash-tool.js';
import { type AgentTool, errorOutput, textOutput } from '../../tools/tool.js';
import {
  type GeminiWorkspace,
  guarded,
  optionalLine,
  optionalString,
  requiredString,
  ToolInputError,
} from './gemini-workspace.js';

// Gemini CLI's filesystem tools (hud-python `hud/agents/gemini/tools/filesystem.py`): read, search, glob, list.

/** Directories `grep_search` and `glob` skip. */
const SKIPPED_DIRECTORIES = ['.git', 'node_modules'];
/** Most matches `grep_search` and `glob` list. */
const MAX_MATCHES = 500;

/**
 * `read_file {file_path, start_line?, end_line?}`: a text file, whole or a 1-based inclusive range,
 * capped in lines and bytes.
 */
export function readFileTool(workspace: GeminiWorkspace, maxReadLines: number): AgentTool {
  return {
    name: 'read_file',
    description:
      `Read a text file. Without a range it returns the first ${maxReadLines} lines; \`start_line\` and ` +
      '`end_line` (1-based, inclusive) pick a part of a longer file.',
    inputSchema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'The file to read.' },
        start_line: { type: 'integer', minimum: 1, description: 'First line to return (1-based).' },
        end_line: { type: 'integer', minimum: 1, description: 'Last line to return (inclusive).' },
      },
      required: ['file_path'],
    },
    run: (input, runOptions = {}) =>
      guarded('read_file', async () => {
        const target = await workspace.resolve(
          requiredString(input, 'file_path'),
          runOptions.signal,
        );
        if (target.kind === 'directory') {
          throw new ToolInputError(`${target.path} is a directory; use list_directory`);
        }
        if (target.kind !== 'file') throw new ToolInputError(`${target.path} does not exist`);
        const start = optionalLine(input, 'start_line') ?? 1;
        const end = optionalLine(input, 'end_line');
        if (end !== undefined && end < start)
          throw new ToolInputError("'end_line' must be ≥ 'start_line'");
        const text = await workspace.shell.readText(target.path, { signal: runOptions.signal });
        if (text === '') return textOutput(`(${target.path} is empty)`);
        const lines = text.split('\n');
        if (lines.length > 1 && lines.at(-1) === '') lines.pop();
        if (start > lines.length) {
          throw new ToolInputError(
            `start_line ${start} is past the end of the file (${lines.length} lines)`,
          );
        }
        const last = Math.min(lines.length, end ?? start + maxReadLines - 1);
        // Whole lines within the byte cap.
        const shown: string[] = [];
        let bytes = 0;
        for (let line = start; line <= last; line++) {
          const size = Buffer.byteLength(lines[line - 1] as string, 'utf8') + 1;
          if (shown.length > 0 && bytes + size > workspace.maxBytes) break;
          shown.push(lines[line - 1] as string);
          bytes += size;
        }
        const shownEnd = start + shown.length - 1;
        const body = truncateMiddle(shown.join('\n'), workspace.maxBytes);
        if (start === 1 && shownEnd === lines.length) return textOutput(body);
        return textOutput(
          `[Showing lines ${start}-${shownEnd} of ${lines.length}; use start_line and end_line to read other lines.]\n${body}`,
        );
      }),
  };
}

/**
 * `grep_search {pattern, dir_path?, include_pattern?}`: `grep -rnIE`, matches sorted by file and
 * line.
 */
export function grepSearchTool(workspace: GeminiWorkspace): AgentTool {
  return {
    name: 'grep_search',
    description:
      'Search file contents for a regular expression (POSIX extended, like grep -E) under a directory; ' +
      'lists each matching line as path:line: text. `include_pattern` limits the files (a glob such as *.js).',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'The regular expression to look for.' },
        dir_path: {
          type: 'string',
          description: 'Directory to search (default: the workspace root).',
        },
        include_pattern: {
          type: 'string',
          description: 'Only files whose name matches this glob.',
        },
      },
      required: ['pattern'],
    },
    run: (input, runOptions = {}) =>
      guarded('grep_search', async () => {
        const { signal } = runOptions;
        const pattern = requiredString(input, 'pattern');
        const include = optionalString(input, 'include_pattern');
        const target = await workspace.directory(optionalString(input, 'dir_path'), signal);
        const command = [
          'grep -rnIE',
          ...SKIPPED_DIRECTORIES.map((skipped) => `--exclude-dir=${shellQuote(skipped)}`),
          ...(include === undefined ? [] : [`--include=${shellQuote(include)}`]),
          '-e',
          shellQuote(pattern),
          '-- .',
        ].join(' ');
        const result = await workspace.shell.exec(command, {
          cwd: target.path,
          signal,
          maxOutputBytes: 1024 * 1024,
        });
        if (result.exitCode === 1) {
          return textOutput(`No matches found for pattern "${pattern}" in ${target.path}.`);
        }
        if (result.exitCode !== 0) {
          return errorOutput(
            `grep_search failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
          );
        }
        const matches = result.stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const [, file = '', number = '0', rest = ''] =
              /^\.\/(.*?):(\d+):(.*)$/s.exec(line) ?? [];
            return { file, line: Number(number), text: rest };
          })
          // grep walks directories in on-disk order; sort by file and line.
          .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line))
          .map((match) => `${match.file}:${match.line}: ${match.text}`);
        const listed = matches.slice(0, MAX_MATCHES);
        const more =
          matches.length > listed.length
            ? `\n(${matches.length - listed.length} more matches not shown; narrow the search)`
            : '';
        return textOutput(
          truncateMiddle(
            `Found ${matches.length} match${matches.length === 1 ? '' : 'es'} for pattern "${pattern}" in ${target.path}:\n${listed.join('\n')}${more}`,
            workspace.maxBytes,
          ),
        );
      }),
  };
}

/** `glob {pattern, dir_path?, case_sensitive?}`: bash globbing with `**`, absolute paths sorted. */
export function globTool(workspace: GeminiWorkspace): AgentTool {
  return {
    name: 'glob',
    description:
      'Find files whose path matches a glob pattern (`**` matches any number of directories, e.g. ' +
      '`src/**/*.ts`) under a directory; .git and node_modules are skipped. Lists absolute paths.',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'The glob pattern, relative to dir_path.' },
        dir_path: {
          type: 'string',
          description: 'Directory to search (default: the workspace root).',
        },
        case_sensitive: { type: 'boolean', description: 'Match case exactly (default true).' },
      },
      required: ['pattern'],
    },
    run: (input, runOptions = {}) =>
      guarded('glob', async () => {
        const { signal } = runOptions;
        const pattern = requiredString(input, 'pattern');
        const caseSensitive = input.case_sensitive !== false;
        const target = await workspace.directory(optionalString(input, 'dir_path'), signal);
        // compgen -G expands the pattern without word splitting; the pattern travels as an argument.
        const script = `shopt -s globstar dotglob${caseSensitive ? '' : ' nocaseglob'}; compgen -G "$1"`;
        const result = await workspace.shell.exec(
          `bash -c ${shellQuote(script)} glob ${shellQuote(pattern)}`,
          {
            cwd: target.path,
            signal,
            maxOutputBytes: 1024 * 1024,
          },
        );
        const skipped = (file: string) =>
          file.split('/').some((part) => SKIPPED_DIRECTORIES.includes(part));
        const files = result.stdout
          .split('\n')
          .filter((file) => file !== '' && !skipped(file))
          .map((file) => path.posix.resolve(target.path, file))
          .sort();
        if (files.length === 0) {
          return textOutput(`No files found matching pattern "${pattern}" in ${target.path}.`);
        }
        const listed = files.slice(0, MAX_MATCHES);
        const more =
          files.length > listed.length
            ? `\n(${files.length - listed.length} more not shown; narrow the pattern)`
            : '';
        return textOutput(
          truncateMiddle(
            `Found ${files.length} file(s) matching "${pattern}" in ${target.path}:\n${listed.join('\n')}${more}`,
            workspace.maxBytes,
          ),
        );
      }),
  };
}

/** `list_directory {dir_path, ignore?}`: one level, directories first and marked `[DIR]`. */
export function listDirectoryTool(workspace: GeminiWorkspace): AgentTool {
  return {
    name: 'list_directory',
    description:
      'List the files and subdirectories directly inside a directory (directories marked [DIR]); ' +
      '`ignore` leaves out names matching any of its globs.',
    inputSchema: {
      type: 'object',
      properties: {
        dir_path: { type: 'string', description: 'The directory to list.' },
        ignore: {
          type: 'array',
          items: { type: 'string' },
          description: 'Glob patterns of names to leave out.',
        },
      },
      required: ['dir_path'],
    },
    run: (input, runOptions = {}) =>
      guarded('list_directory', async () => {
        const { signal } = runOptions;
        const ignore = input.ignore ?? [];
        if (!Array.isArray(ignore) || ignore.some((each) => typeof each !== 'string')) {
          throw new ToolInputError("'ignore' must be a list of glob patterns");
        }
        const target = await workspace.directory(requiredString(input, 'dir_path'), signal);
        const filters = (ignore as string[])
          .map((glob) => `-not -name ${shellQuote(glob)}`)
          .join(' ');
        const result = await workspace.shell.exec(
          `find . -mindepth 1 -maxdepth 1 ${filters} -printf '%y\\t%f\\n'`,
          { cwd: target.path, signal, maxOutputBytes: 1024 * 1024 },
        );
        if (result.exitCode !== 0) {
          return errorOutput(
            `list_directory failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
          );
        }
        const entries = result.stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => {
            const [type, ...name] = line.split('\t');
            return { directory: type === 'd', name: name.join('\t') };
          })
          .sort(
            (a, b) =>
              Number(b.directory) - Number(a.directory) ||
              (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
          );
        if (entries.length === 0) return textOutput(`Directory ${target.path} is empty.`);
        const listing = entries.map((entry) =>
          entry.directory ? `[DIR] ${entry.name}` : entry.name,
        );
        return textOutput(
          truncateMiddle(
            `Directory listing for ${target.path}:\n${listing.join('\n')}`,
            workspace.maxBytes,
          ),
        );
      }),
  };
}
