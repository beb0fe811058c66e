import path from 'node:path';
import { type JsonObject, shellQuote } from '@hud/protocol';
import { type AgentTool, errorOutput, type ToolOutput, textOutput } from '../../tools/tool.js';
import type { ResolvedPath, WorkspacePaths, WorkspaceShell } from '../../tools/workspace-paths.js';
import { clipLine, isOutput, requireString, resolveInside } from './opencode-common.js';

/** Most files `glob` lists and matches `grep` shows (OpenCode's limit). */
export const SEARCH_RESULT_LIMIT = 100;
const MAX_BRACE_EXPANSIONS = 64;

/** `a.{js,ts}` → `a.js`, `a.ts` (bash does not brace-expand a variable, ripgrep globs do). */
export function expandBraces(pattern: string): string[] {
  const match = /\{([^{}]*,[^{}]*)\}/.exec(pattern);
  if (!match) return [pattern];
  const before = pattern.slice(0, match.index);
  const after = pattern.slice(match.index + match[0].length);
  const expanded = (match[1] as string)
    .split(',')
    .flatMap((choice) => expandBraces(`${before}${choice}${after}`));
  return expanded.slice(0, MAX_BRACE_EXPANSIONS);
}

/** The directory a search starts from: `path` inside the workspace, default the workspace itself. */
async function searchRoot(
  tool: string,
  paths: WorkspacePaths,
  input: JsonObject,
  signal: AbortSignal | undefined,
): Promise<ResolvedPath | ToolOutput> {
  const requested = input.path;
  if (requested !== undefined && requested !== null && typeof requested !== 'string') {
    return errorOutput(`${tool}: 'path' must be a string`);
  }
  const target = await resolveInside(paths, requested || '.', signal);
  if (isOutput(target)) return target;
  if (target.kind === 'missing') return errorOutput(`Path not found: ${target.path}`);
  return target;
}

/**
 * The OpenCode-style `glob` tool: files under `path` (default the workspace) matching `pattern`, as
 * absolute paths, sorted, at most {@link SEARCH_RESULT_LIMIT}. A pattern without `/` matches at any depth
 * (`*.ts` = `**\/*.ts`, as ripgrep globs do); `**` spans directories, `{a,b}` alternates; hidden
 * directories are skipped. hud-python 0.6.16 ran `find -name`, which cannot match `src/**\/*.ts`.
 */
export function globTool(shell: WorkspaceShell, paths: WorkspacePaths): AgentTool {
  return {
    name: 'glob',
    description:
      'Find files by name pattern, e.g. "*.ts", "src/**/*.test.js" or "*.{js,json}". A pattern without ' +
      '/ matches at any depth. Returns matching file paths, sorted. Prefer this over find in bash.',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'The glob pattern to match file paths against.' },
        path: {
          type: 'string',
          description: 'The directory to search in (default: the workspace directory).',
        },
      },
      required: ['pattern'],
    },
    async run(input: JsonObject, runOptions = {}) {
      const { signal } = runOptions;
      const pattern = requireString('glob', input, 'pattern');
      if (isOutput(pattern)) return pattern;
      const relative = pattern.replace(/^(\.\/)+/, '');
      if (relative.startsWith('/') || relative.split('/').includes('..')) {
        return errorOutput(
          'glob: the pattern must be relative to path (no leading / and no ..); put the directory in path',
        );
      }
      const root = await searchRoot('glob', paths, input, signal);
      if (isOutput(root)) return root;
      if (root.kind !== 'directory') return errorOutput(`${root.path} is not a directory`);
      const patterns = expandBraces(relative).map((each) =>
        each.includes('/') ? each : `**/${each}`,
      );
      // Unquoted `$pattern` with an empty IFS is glob-expanded but never split or evaluated.
      const script = [
        `cd -- ${shellQuote(root.path)} || exit 2`,
        'shopt -s globstar nullglob',
        'IFS=',
        `for pattern in ${patterns.map(shellQuote).join(' ')}; do`,
        '  for file in $pattern; do [ -f "$file" ] && printf "%s\\n" "$file"; done',
        `done | LC_ALL=C sort -u | head -n ${SEARCH_RESULT_LIMIT + 1}`,
      ].join('\n');
      const result = await shell.exec(script, { signal });
      if (result.exitCode !== 0) {
        return errorOutput(`glob failed in ${root.path}: ${result.stderr.trim()}`);
      }
      const files = result.stdout
        .split('\n')
        .filter((file) => file !== '')
        .map((file) => path.posix.join(root.path, file));
      if (files.length === 0) return textOutput('No files found');
      const shown = files.slice(0, SEARCH_RESULT_LIMIT);
      if (files.length > SEARCH_RESULT_LIMIT) {
        shown.push(
          '',
          `(Results are truncated: showing the first ${SEARCH_RESULT_LIMIT}. Use a more specific path or pattern.)`,
        );
      }
      return textOutput(shown.join('\n'));
    },
  };
}

/**
 * The OpenCode-style `grep` tool: lines matching the extended regular expression `pattern` in files under
 * `path` (default the workspace; a file searches that file), optionally only files whose name matches
 * `include`; binary files and hidden files and directories skipped (unless `path` is hidden itself). Output: `Found N matches`, then per file its absolute path and
 * `  Line N: text` lines (at most {@link SEARCH_RESULT_LIMIT}; long lines cut). No match is not an error.
 */
export function grepTool(shell: WorkspaceShell, paths: WorkspacePaths): AgentTool {
  return {
    name: 'grep',
    description:
      'Search file contents with a regular expression (extended syntax, e.g. "function\\s+sum" or ' +
      '"TODO|FIXME"). Returns matching lines with file paths and line numbers. Use include to search ' +
      'only some files (e.g. "*.js"). Prefer this over grep in bash.',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'The regular expression to search for.' },
        path: {
          type: 'string',
          description: 'The directory (or file) to search in (default: the workspace directory).',
        },
        include: {
          type: 'string',
          description:
            'Only search files whose name matches this glob, e.g. "*.js" or "*.{ts,tsx}".',
        },
      },
      required: ['pattern'],
    },
    async run(input: JsonObject, runOptions = {}) {
      const { signal } = runOptions;
      const pattern = requireString('grep', input, 'pattern');
      if (isOutput(pattern)) return pattern;
      const include = input.include;
      if (include !== undefined && include !== null && typeof include !== 'string') {
        return errorOutput("grep: 'include' must be a string");
      }
      const root = await searchRoot('grep', paths, input, signal);
      if (isOutput(root)) return root;
      const includes = include ? expandBraces(include) : [];
      // Hidden files and directories are skipped as ripgrep (and glob) skip them, unless asked for.
      const hidden = path.posix.basename(root.path).startsWith('.');
      // Includes first: GNU grep skips files no option matches only when the first option is --include.
      const command = [
        'grep -rnHIsE -Z --exclude-dir=.git',
        ...includes.map((glob) => `--include=${shellQuote(glob)}`),
        ...(hidden ? [] : [`--exclude-dir='.*' --exclude='.*'`]),
        `-e ${shellQuote(pattern)} -- ${shellQuote(root.path)}`,
      ].join(' ');
      const result = await shell.exec(command, { signal, maxOutputBytes: 4 * 1024 * 1024 });
      // grep: 0 = matches, 1 = none, 2 = trouble (a bad pattern, or unreadable files next to matches).
      const lines = result.stdout.split('\n').filter((line) => line.includes('\0'));
      if (lines.length === 0) {
        if (result.exitCode === 2 || result.timedOut) {
          return errorOutput(`grep failed: ${result.stderr.trim() || 'timed out'}`);
        }
        return textOutput('No files found');
      }
      const byFile = new Map<string, string[]>();
      for (const line of lines.slice(0, SEARCH_RESULT_LIMIT)) {
        const cut = line.indexOf('\0');
        const file = line.slice(0, cut);
        const rest = line.slice(cut + 1);
        const colon = rest.indexOf(':');
        const shown = `  Line ${rest.slice(0, colon)}: ${clipLine(rest.slice(colon + 1))}`;
        byFile.set(file, [...(byFile.get(file) ?? []), shown]);
      }
      const cutShort = /…\[truncated \d+ bytes\]$/.test(result.stdout.trimEnd());
      const total = `${lines.length}${cutShort ? '+' : ''}`;
      const out = [`Found ${total} matches`];
      for (const [file, matches] of byFile) out.push(`${file}:`, ...matches, '');
      if (lines.length > SEARCH_RESULT_LIMIT || cutShort) {
        out.push(
          `(Results are truncated: showing the first ${SEARCH_RESULT_LIMIT} of ${total} matches. Use a more specific path, pattern or include.)`,
        );
      }
      return textOutput(out.join('\n').trimEnd());
    },
  };
}
