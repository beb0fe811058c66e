import path from 'node:path';
import { type JsonObject, shellQuote } from '@hud/protocol';
import { occurrences } from '../../tools/editor-tool.js';
import { type AgentTool, errorOutput, type ToolOutput, textOutput } from '../../tools/tool.js';
import type { ResolvedPath, WorkspacePaths, WorkspaceShell } from '../../tools/workspace-paths.js';
import {
  clipLine,
  isOutput,
  optionalInteger,
  remoteFileErrors,
  requireString,
  resolveInside,
} from './opencode-common.js';

/** Lines `read` shows without a `limit` (OpenCode's and hud-python's default). */
export const DEFAULT_READ_LIMIT = 2000;
/** Cap of one `read` result's text, bytes (OpenCode's `MAX_BYTES`); the rest is one `offset` away. */
export const DEFAULT_READ_BYTES = 50 * 1024;
/** Largest image `read` returns as an image, bytes. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** Image files `read` returns as images: the types every server takes as data URLs (Ollama refuses GIF). */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

/** The lines of `text` without the empty string after a final newline, `\r` of CRLF files removed. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

async function mkdirParent(
  shell: WorkspaceShell,
  file: string,
  signal: AbortSignal | undefined,
): Promise<ToolOutput | undefined> {
  const parent = path.posix.dirname(file);
  const made = await shell.exec(`mkdir -p -- ${shellQuote(parent)}`, { signal });
  return made.exitCode === 0
    ? undefined
    : errorOutput(`cannot create directory ${parent}: ${made.stderr.trim()}`);
}

/** Up to three names next to a missing file that look like it, for the error. */
async function similarNames(
  shell: WorkspaceShell,
  missing: string,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const parent = path.posix.dirname(missing);
  const wanted = path.posix.basename(missing).toLowerCase();
  const listed = await shell.exec(`ls -1A -- ${shellQuote(parent)}`, { signal });
  if (listed.exitCode !== 0) return [];
  return listed.stdout
    .split('\n')
    .filter((name) => {
      const lower = name.toLowerCase();
      return name !== '' && (lower.includes(wanted) || wanted.includes(lower));
    })
    .slice(0, 3)
    .map((name) => path.posix.join(parent, name));
}

async function notFound(
  shell: WorkspaceShell,
  target: ResolvedPath,
  signal: AbortSignal | undefined,
): Promise<ToolOutput> {
  const similar = await similarNames(shell, target.path, signal);
  const hint = similar.length > 0 ? `\n\nDid you mean one of these?\n${similar.join('\n')}` : '';
  return errorOutput(`File not found: ${target.path}${hint}`);
}

/**
 * The OpenCode-style `read` tool: a file's lines numbered `N: text` from `offset` (1-based), at most
 * `limit` lines (default 2000) and {@link DEFAULT_READ_BYTES} of text, inside
 * `<path>…</path><type>file</type><content>…</content>` with a hint on how to continue; a directory's
 * entries (`/` after directories) the same way in `<entries>`; PNG/JPEG/WebP files as an image.
 * Lines longer than 2000 characters are cut. Paths are confined to the workspace. Format: hud-python 0.6.16
 * `openai_compatible` `ReadTool` (after OpenCode's `read`).
 */
export function readTool(
  shell: WorkspaceShell,
  paths: WorkspacePaths,
  options: { maxOutputBytes?: number } = {},
): AgentTool {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_READ_BYTES;

  async function readDirectory(
    target: ResolvedPath,
    offset: number,
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<ToolOutput> {
    const listed = await shell.exec(`ls -1Ap -- ${shellQuote(target.path)} | LC_ALL=C sort`, {
      signal,
    });
    if (listed.exitCode !== 0) return errorOutput(`cannot list ${target.path}: ${listed.stderr}`);
    const entries = listed.stdout.split('\n').filter((entry) => entry !== '');
    const shown = entries.slice(offset - 1, offset - 1 + limit);
    const more = offset - 1 + shown.length < entries.length;
    const footer = more
      ? `(Showing ${shown.length} of ${entries.length} entries. Use offset=${offset + shown.length} to continue.)`
      : `(${entries.length} entries)`;
    return textOutput(
      [
        `<path>${target.path}</path>`,
        '<type>directory</type>',
        '<entries>',
        ...shown,
        '',
        footer,
        '</entries>',
      ].join('\n'),
    );
  }

  async function readImage(
    target: ResolvedPath,
    mimeType: string,
    signal: AbortSignal | undefined,
  ): Promise<ToolOutput> {
    const file = shellQuote(target.path);
    const script = `size=$(wc -c < ${file}) || exit 1\necho "$size"\n[ "$size" -le ${MAX_IMAGE_BYTES} ] && base64 -w0 -- ${file}`;
    const result = await shell.exec(script, { signal, maxOutputBytes: MAX_IMAGE_BYTES * 2 });
    const [size = '', data = ''] = result.stdout.split('\n');
    if (result.exitCode !== 0 || data === '') {
      return errorOutput(
        Number(size) > MAX_IMAGE_BYTES
          ? `${target.path} is ${size} bytes; images over ${MAX_IMAGE_BYTES} bytes are not read`
          : `cannot read ${target.path}: ${result.stderr.trim()}`,
      );
    }
    return {
      content: [
        {
          type: 'text',
          text: `<path>${target.path}</path>\n<type>image</type>\n<content>\nImage read successfully (${size.trim()} bytes, ${mimeType}).\n</content>`,
        },
        { type: 'image', data, mimeType },
      ],
    };
  }

  async function readFile(
    target: ResolvedPath,
    offset: number,
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<ToolOutput> {
    const text = await shell.readText(target.path, { signal });
    if (text.includes('\u0000')) return errorOutput(`Cannot read binary file: ${target.path}`);
    const lines = linesOf(text);
    if (offset > Math.max(lines.length, 1)) {
      return errorOutput(`Offset ${offset} is out of range for this file (${lines.length} lines)`);
    }
    const body = [`<path>${target.path}</path>`, '<type>file</type>', '<content>'];
    let bytes = Buffer.byteLength(body.join('\n'));
    let last = offset - 1;
    let capped = false;
    for (const line of lines.slice(offset - 1, offset - 1 + limit)) {
      const shown = `${last + 1}: ${clipLine(line)}`;
      bytes += Buffer.byteLength(shown) + 1;
      if (bytes > maxBytes && last >= offset) {
        capped = true;
        break;
      }
      body.push(shown);
      last += 1;
    }
    const range = `lines ${offset}-${last} of ${lines.length}`;
    if (capped) {
      body.push(
        '',
        `(Output capped at ${maxBytes} bytes. Showing ${range}. Use offset=${last + 1} to continue.)`,
      );
    } else if (last < lines.length) {
      body.push('', `(Showing ${range}. Use offset=${last + 1} to continue.)`);
    } else {
      body.push('', `(End of file - total ${lines.length} lines)`);
    }
    body.push('</content>');
    return textOutput(body.join('\n'));
  }

  return {
    name: 'read',
    description:
      'Read a file or directory in the workspace. Files come back as numbered lines (`N: text`), at ' +
      `most ${DEFAULT_READ_LIMIT} lines per call: use offset (1-based line) and limit to page through ` +
      'long files. Directories come back as a list of entries (directories end in /). Images (PNG, JPEG, ' +
      'WebP) come back as images. Prefer this over cat or ls in bash.',
    inputSchema: {
      type: 'object',
      properties: {
        filePath: {
          type: 'string',
          description: 'The file or directory to read: absolute, or relative to the workspace.',
        },
        offset: {
          type: 'integer',
          minimum: 0,
          description: 'The line number to start reading from (1-based).',
        },
        limit: {
          type: 'integer',
          minimum: 1,
          description: `The maximum number of lines to read (default ${DEFAULT_READ_LIMIT}).`,
        },
      },
      required: ['filePath'],
    },
    async run(input: JsonObject, runOptions = {}) {
      const { signal } = runOptions;
      const filePath = requireString('read', input, 'filePath');
      if (isOutput(filePath)) return filePath;
      const offset = optionalInteger('read', input, 'offset', 0);
      if (isOutput(offset)) return offset;
      const limit = optionalInteger('read', input, 'limit', 1);
      if (isOutput(limit)) return limit;
      const target = await resolveInside(paths, filePath, signal);
      if (isOutput(target)) return target;
      const from = offset === undefined || offset === 0 ? 1 : offset;
      const count = limit ?? DEFAULT_READ_LIMIT;
      return remoteFileErrors(async () => {
        switch (target.kind) {
          case 'missing':
            return notFound(shell, target, signal);
          case 'directory':
            return readDirectory(target, from, count, signal);
          case 'other':
            return errorOutput(`${target.path} is not a regular file`);
          default: {
            const mimeType = IMAGE_TYPES[path.posix.extname(target.path).toLowerCase()];
            if (mimeType) return readImage(target, mimeType, signal);
            return readFile(target, from, count, signal);
          }
        }
      });
    },
  };
}

/**
 * The OpenCode-style `write` tool: writes `content` to `filePath` (creating parent directories), replacing
 * the file if it exists. Paths are confined to the workspace.
 */
export function writeTool(shell: WorkspaceShell, paths: WorkspacePaths): AgentTool {
  return {
    name: 'write',
    description:
      'Create a file, or overwrite it, with the given content (parent directories are created). Read an ' +
      'existing file before overwriting it; prefer edit for changes to part of a file.',
    inputSchema: {
      type: 'object',
      properties: {
        content: { type: 'string', description: 'The whole content of the file.' },
        filePath: {
          type: 'string',
          description: 'The file to write: absolute, or relative to the workspace.',
        },
      },
      required: ['content', 'filePath'],
    },
    async run(input: JsonObject, runOptions = {}) {
      const { signal } = runOptions;
      const filePath = requireString('write', input, 'filePath');
      if (isOutput(filePath)) return filePath;
      const content = requireString('write', input, 'content', { allowEmpty: true });
      if (isOutput(content)) return content;
      const target = await resolveInside(paths, filePath, signal);
      if (isOutput(target)) return target;
      if (target.kind === 'directory' || target.kind === 'other') {
        return errorOutput(`${target.path} is not a regular file`);
      }
      return remoteFileErrors(async () => {
        const failed = await mkdirParent(shell, target.path, signal);
        if (failed) return failed;
        await shell.writeText(target.path, content, { signal });
        const verb = target.kind === 'missing' ? 'Created' : 'Overwrote';
        return textOutput(
          `Wrote file successfully. ${verb} ${target.path} (${Buffer.byteLength(content)} bytes).`,
        );
      });
    },
  };
}

/**
 * The OpenCode-style `edit` tool: replaces `oldString` with `newString` in a file — exactly one occurrence
 * unless `replaceAll`; an empty `oldString` creates a new file holding `newString`. `oldString` written
 * with `\n` also matches a CRLF file. Paths are confined to the workspace. Semantics: hud-python 0.6.16
 * `openai_compatible` `EditTool`.
 */
export function editTool(shell: WorkspaceShell, paths: WorkspacePaths): AgentTool {
  return {
    name: 'edit',
    description:
      'Replace text in a file. oldString must match the file exactly (whitespace and indentation ' +
      'included; read the file first) and occur once, unless replaceAll is true. An empty oldString ' +
      'creates a new file with newString as its content.',
    inputSchema: {
      type: 'object',
      properties: {
        filePath: {
          type: 'string',
          description: 'The file to modify: absolute, or relative to the workspace.',
        },
        oldString: { type: 'string', description: 'The exact text to replace.' },
        newString: {
          type: 'string',
          description: 'The text to replace it with (must differ from oldString).',
        },
        replaceAll: {
          type: 'boolean',
          description: 'Replace every occurrence of oldString (default false).',
        },
      },
      required: ['filePath', 'oldString', 'newString'],
    },
    async run(input: JsonObject, runOptions = {}) {
      const { signal } = runOptions;
      const filePath = requireString('edit', input, 'filePath');
      if (isOutput(filePath)) return filePath;
      const oldString = requireString('edit', input, 'oldString', { allowEmpty: true });
      if (isOutput(oldString)) return oldString;
      const newString = requireString('edit', input, 'newString', { allowEmpty: true });
      if (isOutput(newString)) return newString;
      const replaceAll = input.replaceAll ?? false;
      if (typeof replaceAll !== 'boolean') {
        return errorOutput("edit: 'replaceAll' must be true or false");
      }
      if (oldString === newString) {
        return errorOutput('No changes to apply: oldString and newString are identical.');
      }
      const target = await resolveInside(paths, filePath, signal);
      if (isOutput(target)) return target;
      if (target.kind === 'directory' || target.kind === 'other') {
        return errorOutput(`${target.path} is not a regular file`);
      }
      return remoteFileErrors(async () => {
        if (oldString === '') {
          if (target.kind !== 'missing') {
            return errorOutput(
              `oldString cannot be empty when editing an existing file (${target.path}). Give the exact text to replace, or use write to replace the whole file.`,
            );
          }
          const failed = await mkdirParent(shell, target.path, signal);
          if (failed) return failed;
          await shell.writeText(target.path, newString, { signal });
          return textOutput(`Created ${target.path} (${Buffer.byteLength(newString)} bytes).`);
        }
        if (target.kind === 'missing') return notFound(shell, target, signal);
        const text = await shell.readText(target.path, { signal });
        let [from, to] = [oldString, newString];
        let count = occurrences(text, from);
        if (count === 0 && text.includes('\r\n') && !from.includes('\r')) {
          [from, to] = [from.replaceAll('\n', '\r\n'), to.replaceAll('\n', '\r\n')];
          count = occurrences(text, from);
        }
        if (count === 0) {
          return errorOutput(
            `oldString not found in ${target.path}. Read the file and copy the exact text, including whitespace and indentation.`,
          );
        }
        if (count > 1 && !replaceAll) {
          return errorOutput(
            `oldString matches ${count} times in ${target.path}; include more surrounding lines to make it unique, or set replaceAll to true.`,
          );
        }
        const at = text.indexOf(from);
        const updated = replaceAll
          ? text.split(from).join(to)
          : text.slice(0, at) + to + text.slice(at + from.length);
        await shell.writeText(target.path, updated, { signal });
        const replaced = replaceAll ? count : 1;
        return textOutput(
          `Edit applied successfully: replaced ${replaced} occurrence${replaced === 1 ? '' : 's'} in ${target.path}.`,
        );
      });
    },
  };
}
