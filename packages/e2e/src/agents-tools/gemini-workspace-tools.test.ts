import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type AgentTool, GEMINI_WORKSPACE_TOOL_NAMES, geminiWorkspaceTools } from '@hud/agents';
import type { JsonObject } from '@hud/protocol';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { directWorkspace, outputText } from '../support/workspace.js';

// Gemini's workspace tools over a real workspace (SSH server, bash, files), connected directly.

const ws = directWorkspace('gemini-tools');
let tools: Map<string, AgentTool>;
beforeAll(() => {
  tools = new Map(
    geminiWorkspaceTools(ws.shell, { timeoutMs: 30_000, maxReadLines: 4 }).map((tool) => [
      tool.name,
      tool,
    ]),
  );
});

const text = outputText;
const file = (name: string) => path.join(ws.workspace.root, name);
const run = (name: string, input: JsonObject) => (tools.get(name) as AgentTool).run(input);

describe('gemini workspace tools', { timeout: 60_000 }, () => {
  beforeEach(async () => {
    await rm(file('project'), { recursive: true, force: true });
    await mkdir(file('project/src/lib'), { recursive: true });
    await mkdir(file('project/node_modules/dep'), { recursive: true });
    await writeFile(
      file('project/src/sum.js'),
      'export const sum = (a, b) => a - b;\n// sum\n// sum\n',
    );
    await writeFile(file('project/src/lib/Util.JS'), 'export const util = 1;\n');
    await writeFile(file('project/node_modules/dep/index.js'), 'export const sum = 0;\n');
    await writeFile(file('project/README.md'), 'one\ntwo\nthree\nfour\nfive\nsix\n');
  });

  it('are the Gemini CLI tools, in catalog order', () => {
    expect([...tools.keys()]).toEqual([...GEMINI_WORKSPACE_TOOL_NAMES]);
  });

  it('run_shell_command: output in the bash format, in dir_path when given', async () => {
    const root = await run('run_shell_command', { command: 'pwd', description: 'where am I' });
    expect(text(root)).toBe(`$ pwd\n${ws.workspace.root}\n\n(exit 0)`);
    const inDir = await run('run_shell_command', { command: 'ls', dir_path: 'project/src' });
    expect(text(inDir)).toBe('$ ls\nlib\nsum.js\n\n(exit 0)');
    const failed = await run('run_shell_command', { command: 'exit 4' });
    expect(failed.isError).toBe(true);
    expect(text(failed)).toMatch(/\(exit 4\)$/);
    const missing = await run('run_shell_command', { command: 'ls', dir_path: 'nowhere' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/nowhere does not exist/);
    const outside = await run('run_shell_command', { command: 'ls', dir_path: '/etc' });
    expect(outside.isError).toBe(true);
    expect(text(outside)).toMatch(/outside the workspace/);
    expect((await run('run_shell_command', {})).isError).toBe(true);
  });

  it('replace: the first occurrence, an error when absent, a new file for an empty old_string', async () => {
    const fixed = await run('replace', {
      file_path: 'project/src/sum.js',
      instruction: 'add, do not subtract',
      old_string: 'a - b',
      new_string: 'a + b',
    });
    expect(text(fixed)).toBe(
      `Successfully modified file: ${file('project/src/sum.js')} (1 replacement, at line 1).`,
    );
    expect(await readFile(file('project/src/sum.js'), 'utf8')).toBe(
      'export const sum = (a, b) => a + b;\n// sum\n// sum\n',
    );
    const first = await run('replace', {
      file_path: 'project/src/sum.js',
      old_string: '// sum',
      new_string: '// total',
    });
    expect(text(first)).toMatch(/replaced the first of 2 occurrences, at line 2/);
    expect(await readFile(file('project/src/sum.js'), 'utf8')).toMatch(/\/\/ total\n\/\/ sum\n$/);
    const absent = await run('replace', {
      file_path: 'project/src/sum.js',
      old_string: 'nope',
      new_string: 'x',
    });
    expect(absent.isError).toBe(true);
    expect(text(absent)).toMatch(/not found .* \(0 occurrences\)/);
    const created = await run('replace', {
      file_path: 'project/new/a.txt',
      old_string: '',
      new_string: 'fresh\n',
    });
    expect(text(created)).toBe(
      `Created new file: ${file('project/new/a.txt')} with the provided content.`,
    );
    expect(await readFile(file('project/new/a.txt'), 'utf8')).toBe('fresh\n');
    const exists = await run('replace', {
      file_path: 'project/README.md',
      old_string: '',
      new_string: 'x',
    });
    expect(exists.isError).toBe(true);
    expect(text(exists)).toMatch(/already exists/);
    const outside = await run('replace', {
      file_path: '../../etc/passwd',
      old_string: 'root',
      new_string: 'x',
    });
    expect(outside.isError).toBe(true);
  });

  it('write_file: creates parents, overwrites', async () => {
    const created = await run('write_file', { file_path: 'project/deep/er/x.txt', content: 'one' });
    expect(text(created)).toBe(
      `Successfully created and wrote to new file: ${file('project/deep/er/x.txt')}.`,
    );
    const overwritten = await run('write_file', {
      file_path: 'project/deep/er/x.txt',
      content: 'two',
    });
    expect(text(overwritten)).toBe(
      `Successfully overwrote file: ${file('project/deep/er/x.txt')}.`,
    );
    expect(await readFile(file('project/deep/er/x.txt'), 'utf8')).toBe('two');
    expect((await run('write_file', { file_path: 'project/src', content: 'x' })).isError).toBe(
      true,
    );
  });

  it('read_file: the whole file, a line range, or the first lines with a note', async () => {
    expect(text(await run('read_file', { file_path: 'project/src/lib/Util.JS' }))).toBe(
      'export const util = 1;',
    );
    expect(
      text(await run('read_file', { file_path: 'project/README.md', start_line: 2, end_line: 3 })),
    ).toBe(
      '[Showing lines 2-3 of 6; use start_line and end_line to read other lines.]\ntwo\nthree',
    );
    expect(text(await run('read_file', { file_path: 'project/README.md' }))).toBe(
      '[Showing lines 1-4 of 6; use start_line and end_line to read other lines.]\none\ntwo\nthree\nfour',
    );
    expect(text(await run('read_file', { file_path: 'project/README.md', start_line: 5 }))).toBe(
      '[Showing lines 5-6 of 6; use start_line and end_line to read other lines.]\nfive\nsix',
    );
    const past = await run('read_file', { file_path: 'project/README.md', start_line: 9 });
    expect(text(past)).toMatch(/past the end of the file \(6 lines\)/);
    expect((await run('read_file', { file_path: 'project/src' })).isError).toBe(true);
    expect((await run('read_file', { file_path: 'project/none.txt' })).isError).toBe(true);
  });

  it('grep_search: path:line: text for each match, skipping node_modules; include_pattern filters', async () => {
    const found = await run('grep_search', { pattern: 'sum|util', dir_path: 'project' });
    expect(text(found)).toBe(
      `Found 4 matches for pattern "sum|util" in ${file('project')}:\n` +
        [
          'src/lib/Util.JS:1: export const util = 1;',
          'src/sum.js:1: export const sum = (a, b) => a - b;',
          'src/sum.js:2: // sum',
          'src/sum.js:3: // sum',
        ]
          .sort()
          .join('\n'),
    );
    const filtered = await run('grep_search', {
      pattern: 'util',
      dir_path: 'project',
      include_pattern: '*.md',
    });
    expect(text(filtered)).toBe(`No matches found for pattern "util" in ${file('project')}.`);
    const bad = await run('grep_search', { pattern: '(', dir_path: 'project' });
    expect(bad.isError).toBe(true);
  });

  it('glob: ** across directories, case-insensitive on request, .git and node_modules skipped', async () => {
    const found = await run('glob', { pattern: '**/*.js', dir_path: 'project' });
    expect(text(found)).toBe(
      `Found 1 file(s) matching "**/*.js" in ${file('project')}:\n${file('project/src/sum.js')}`,
    );
    const anyCase = await run('glob', {
      pattern: '**/*.js',
      dir_path: 'project',
      case_sensitive: false,
    });
    expect(text(anyCase).split('\n').slice(1)).toEqual([
      file('project/src/lib/Util.JS'),
      file('project/src/sum.js'),
    ]);
    const spaced = await run('glob', { pattern: 'project/no such *', case_sensitive: true });
    expect(text(spaced)).toBe(
      `No files found matching pattern "project/no such *" in ${ws.workspace.root}.`,
    );
  });

  it('list_directory: directories first, marked; ignore globs', async () => {
    expect(text(await run('list_directory', { dir_path: 'project' }))).toBe(
      `Directory listing for ${file('project')}:\n[DIR] node_modules\n[DIR] src\nREADME.md`,
    );
    expect(
      text(await run('list_directory', { dir_path: 'project', ignore: ['node_*', '*.md'] })),
    ).toBe(`Directory listing for ${file('project')}:\n[DIR] src`);
    await mkdir(file('project/empty'));
    expect(text(await run('list_directory', { dir_path: 'project/empty' }))).toBe(
      `Directory ${file('project/empty')} is empty.`,
    );
    expect((await run('list_directory', { dir_path: 'project/README.md' })).isError).toBe(true);
  });
});
