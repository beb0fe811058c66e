import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AgentTool, buildToolset, openCodeToolProvider, type ToolOutput } from '@hud/agents';
import { type ControlServer, Environment, serve } from '@hud/environment';
import { HudClient } from '@hud/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The OpenCode-style tools over a real served workspace (SSH server, bash, files), opened through a
// HudClient the way the tool loop opens it.

const PIXEL =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let root: string;
let home: string;
let server: ControlServer;
let client: HudClient;
let tools: Map<string, AgentTool>;

beforeAll(async () => {
  // The workspace directory itself: canonical, so it matches the paths the tools print.
  root = await mkdtemp(path.join(tmpdir(), 'opencode-tools-'));
  home = await mkdtemp(path.join(tmpdir(), 'opencode-tools-home-'));
  const env = new Environment({ name: 'opencode-tools' });
  env.workspace(root, { isolation: 'none', env: { HOME: home } });
  server = await serve(env);
  client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
  const built = await buildToolset({ client, bindings: client.manifest?.bindings ?? [] }, [
    openCodeToolProvider({ bashTimeoutMs: 30_000 }),
  ]);
  tools = new Map(built.map((tool) => [tool.name, tool]));
}, 60_000);
afterAll(async () => {
  await client?.close();
  await server?.close();
  await rm(root, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

const text = (output: ToolOutput) =>
  output.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
const file = (name: string) => path.join(root, name);
function run(name: string, input: Record<string, unknown>): Promise<ToolOutput> {
  const tool = tools.get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool.run(input);
}

beforeEach(async () => {
  await rm(file('project'), { recursive: true, force: true });
  await mkdir(file('project/src/lib'), { recursive: true });
  await mkdir(file('project/.hidden'), { recursive: true });
  await writeFile(file('project/src/sum.js'), 'export function sum(values) {\n  return 0;\n}\n');
  await writeFile(file('project/src/lib/util.js'), 'export const TODO = 1; // TODO tidy\n');
  await writeFile(file('project/src/lib/data.json'), '{"todo": true}\n');
  await writeFile(file('project/README.md'), 'Project\nTODO: docs\n');
  await writeFile(file('project/.hidden/secret.js'), 'TODO hidden\n');
});

describe('the OpenCode tool set', { timeout: 60_000 }, () => {
  it('is bash, read, glob, grep, edit and write, in that order', () => {
    expect([...tools.keys()]).toEqual(['bash', 'read', 'glob', 'grep', 'edit', 'write']);
    for (const tool of tools.values()) expect(tool.inputSchema.type).toBe('object');
    expect(tools.get('read')?.inputSchema.required).toEqual(['filePath']);
    expect(tools.get('edit')?.inputSchema.required).toEqual(['filePath', 'oldString', 'newString']);
    expect(tools.get('write')?.inputSchema.required).toEqual(['content', 'filePath']);
  });
});

describe('bash', { timeout: 60_000 }, () => {
  it("runs in the workspace directory, in hud-python's output format", async () => {
    const result = await run('bash', { command: 'pwd; echo oops >&2; exit 3' });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(`$ pwd; echo oops >&2; exit 3\n${root}\n\nstderr:\noops\n\n(exit 3)`);
  });

  it('runs in workdir, a directory inside the workspace', async () => {
    const result = await run('bash', { command: 'pwd && ls', workdir: 'project/src' });
    expect(result.isError).toBeUndefined();
    expect(text(result)).toBe(`$ pwd && ls\n${file('project/src')}\nlib\nsum.js\n\n(exit 0)`);
    const outside = await run('bash', { command: 'pwd', workdir: '/etc' });
    expect(outside.isError).toBe(true);
    expect(text(outside)).toMatch(/outside the workspace/);
    const notDir = await run('bash', { command: 'pwd', workdir: 'project/README.md' });
    expect(text(notDir)).toMatch(/is not a directory/);
  });

  it('stops a command after timeout milliseconds', async () => {
    const result = await run('bash', { command: 'echo started; sleep 20', timeout: 500 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^bash timed out after 0\.5s; retry with a shorter command\n/);
    expect(text(result)).toContain('started');
  });

  it('refuses a missing command and a bad timeout', async () => {
    expect(text(await run('bash', {}))).toMatch(/'command' must be a non-empty string/);
    expect(text(await run('bash', { command: 'true', timeout: 0 }))).toMatch(/'timeout' must be/);
  });
});

describe('read', { timeout: 60_000 }, () => {
  it('numbers the lines of a file and says where it ends', async () => {
    const result = await run('read', { filePath: 'project/src/sum.js' });
    expect(text(result)).toBe(
      [
        `<path>${file('project/src/sum.js')}</path>`,
        '<type>file</type>',
        '<content>',
        '1: export function sum(values) {',
        '2:   return 0;',
        '3: }',
        '',
        '(End of file - total 3 lines)',
        '</content>',
      ].join('\n'),
    );
    const absolute = await run('read', { filePath: file('project/src/sum.js') });
    expect(text(absolute)).toBe(text(result));
  });

  it('pages with offset (1-based) and limit, telling how to continue', async () => {
    await writeFile(
      file('project/long.txt'),
      Array.from({ length: 10 }, (_, i) => `line ${i + 1}\n`).join(''),
    );
    const page = await run('read', { filePath: 'project/long.txt', offset: 4, limit: 3 });
    expect(text(page)).toContain('<content>\n4: line 4\n5: line 5\n6: line 6\n\n');
    expect(text(page)).toContain(
      '(Showing lines 4-6 of 10. Use offset=7 to continue.)\n</content>',
    );
    const rest = await run('read', { filePath: 'project/long.txt', offset: 7 });
    expect(text(rest)).toMatch(/\n10: line 10\n\n\(End of file - total 10 lines\)/);
    const zero = await run('read', { filePath: 'project/long.txt', offset: 0, limit: 1 });
    expect(text(zero)).toContain('\n1: line 1\n');
    const beyond = await run('read', { filePath: 'project/long.txt', offset: 11 });
    expect(beyond.isError).toBe(true);
    expect(text(beyond)).toMatch(/Offset 11 is out of range for this file \(10 lines\)/);
    const bad = await run('read', { filePath: 'project/long.txt', limit: 0 });
    expect(text(bad)).toMatch(/'limit' must be a whole number ≥ 1/);
  });

  it('cuts long lines and caps the output in bytes, continuing by offset', async () => {
    await writeFile(file('project/wide.txt'), `${'x'.repeat(2500)}\nshort\n`);
    const wide = await run('read', { filePath: 'project/wide.txt' });
    expect(text(wide)).toContain(`1: ${'x'.repeat(2000)}...\n2: short\n`);

    const capped = await buildToolset({ client, bindings: client.manifest?.bindings ?? [] }, [
      openCodeToolProvider({ readOutputBytes: 200 }),
    ]);
    const read = capped.find((tool) => tool.name === 'read') as AgentTool;
    await writeFile(
      file('project/many.txt'),
      Array.from({ length: 50 }, (_, i) => `row ${i + 1}\n`).join(''),
    );
    const result = text(await read.run({ filePath: 'project/many.txt' }));
    const shown = [...result.matchAll(/^(\d+): row/gm)].map((match) => Number(match[1]));
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.length).toBeLessThan(50);
    expect(result).toContain(
      `(Output capped at 200 bytes. Showing lines 1-${shown.length} of 50. Use offset=${shown.length + 1} to continue.)`,
    );
  });

  it('lists a directory, directories marked with /', async () => {
    const result = await run('read', { filePath: 'project' });
    expect(text(result)).toBe(
      [
        `<path>${file('project')}</path>`,
        '<type>directory</type>',
        '<entries>',
        '.hidden/',
        'README.md',
        'src/',
        '',
        '(3 entries)',
        '</entries>',
      ].join('\n'),
    );
    const paged = await run('read', { filePath: 'project', offset: 2, limit: 1 });
    expect(text(paged)).toContain(
      '<entries>\nREADME.md\n\n(Showing 1 of 3 entries. Use offset=3 to continue.)',
    );
  });

  it('returns an image file as an image', async () => {
    await writeFile(file('project/pixel.png'), Buffer.from(PIXEL, 'base64'));
    const result = await run('read', { filePath: 'project/pixel.png' });
    expect(result.content).toEqual([
      {
        type: 'text',
        text: expect.stringMatching(
          /<type>image<\/type>[\s\S]*Image read successfully \(\d+ bytes, image\/png\)/,
        ),
      },
      { type: 'image', data: PIXEL, mimeType: 'image/png' },
    ]);
  });

  it('reports missing files (with look-alikes), binary files and paths outside the workspace', async () => {
    const missing = await run('read', { filePath: 'project/src/Sum.js' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toBe(
      `File not found: ${file('project/src/Sum.js')}\n\nDid you mean one of these?\n${file('project/src/sum.js')}`,
    );
    await writeFile(file('project/blob.bin'), Buffer.from([0x7f, 0x45, 0x00, 0x01]));
    expect(text(await run('read', { filePath: 'project/blob.bin' }))).toMatch(
      /Cannot read binary file/,
    );
    expect(text(await run('read', { filePath: '/etc/passwd' }))).toMatch(/outside the workspace/);
    await symlink('/etc', file('project/etc-link'));
    expect(text(await run('read', { filePath: 'project/etc-link/passwd' }))).toMatch(
      /resolves outside the workspace .* through a symlink/,
    );
  });
});

describe('glob', { timeout: 60_000 }, () => {
  it('matches a pattern without / at any depth, skipping hidden directories', async () => {
    const result = await run('glob', { pattern: '*.js', path: 'project' });
    expect(text(result)).toBe(
      [file('project/src/lib/util.js'), file('project/src/sum.js')].join('\n'),
    );
  });

  it('matches paths with ** and {a,b} relative to path (default the workspace)', async () => {
    const result = await run('glob', { pattern: 'project/src/**/*.{js,json}' });
    expect(text(result).split('\n')).toEqual([
      file('project/src/lib/data.json'),
      file('project/src/lib/util.js'),
      file('project/src/sum.js'),
    ]);
    expect(text(await run('glob', { pattern: 'src/*.js', path: 'project' }))).toBe(
      file('project/src/sum.js'),
    );
  });

  it('says when nothing matches, refuses patterns that climb out, and truncates long results', async () => {
    expect(text(await run('glob', { pattern: '*.py', path: 'project' }))).toBe('No files found');
    const climbing = await run('glob', { pattern: '../*' });
    expect(climbing.isError).toBe(true);
    expect(text(await run('glob', { pattern: '*', path: '/etc' }))).toMatch(
      /outside the workspace/,
    );
    await mkdir(file('project/many'));
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        writeFile(file(`project/many/f${String(i).padStart(3, '0')}.txt`), ''),
      ),
    );
    const many = text(await run('glob', { pattern: '*.txt', path: 'project/many' }));
    expect(many.split('\n').filter((line) => line.startsWith('/'))).toHaveLength(100);
    expect(many).toMatch(/\(Results are truncated: showing the first 100\./);
  });
});

describe('grep', { timeout: 60_000 }, () => {
  it('finds lines by extended regex, grouped by file with line numbers', async () => {
    const result = await run('grep', { pattern: 'TODO|todo', path: 'project' });
    expect(text(result).split('\n')[0]).toBe('Found 3 matches');
    expect(text(result)).toContain(`${file('project/README.md')}:\n  Line 2: TODO: docs`);
    expect(text(result)).toContain(
      `${file('project/src/lib/util.js')}:\n  Line 1: export const TODO = 1; // TODO tidy`,
    );
    expect(text(result)).toContain(
      `${file('project/src/lib/data.json')}:\n  Line 1: {"todo": true}`,
    );
  });

  it('narrows by include and searches a single file', async () => {
    const js = text(await run('grep', { pattern: 'TODO', path: 'project', include: '*.{js,ts}' }));
    expect(js).toBe(
      `Found 1 matches\n${file('project/src/lib/util.js')}:\n  Line 1: export const TODO = 1; // TODO tidy`,
    );
    const hidden = text(await run('grep', { pattern: 'TODO', path: 'project/.hidden' }));
    expect(hidden).toContain('secret.js:\n  Line 1: TODO hidden');
    const one = text(await run('grep', { pattern: 'return', path: 'project/src/sum.js' }));
    expect(one).toBe(`Found 1 matches\n${file('project/src/sum.js')}:\n  Line 2:   return 0;`);
  });

  it('says when nothing matches and reports a bad pattern', async () => {
    expect(text(await run('grep', { pattern: 'nowhere-to-be-found', path: 'project' }))).toBe(
      'No files found',
    );
    const bad = await run('grep', { pattern: 'a(b', path: 'project' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/^grep failed: .*(Unmatched|parenthes)/);
  });
});

describe('edit', { timeout: 60_000 }, () => {
  it('replaces exactly one occurrence', async () => {
    const result = await run('edit', {
      filePath: 'project/src/sum.js',
      oldString: '  return 0;',
      newString: '  return values.reduce((a, b) => a + b, 0);',
    });
    expect(text(result)).toBe(
      `Edit applied successfully: replaced 1 occurrence in ${file('project/src/sum.js')}.`,
    );
    expect(await readFile(file('project/src/sum.js'), 'utf8')).toBe(
      'export function sum(values) {\n  return values.reduce((a, b) => a + b, 0);\n}\n',
    );
  });

  it('refuses several matches unless replaceAll, and replaces them all with it', async () => {
    await writeFile(file('project/dup.txt'), 'a-a-a\n');
    const refused = await run('edit', {
      filePath: 'project/dup.txt',
      oldString: 'a',
      newString: 'b',
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/oldString matches 3 times .*set replaceAll to true/);
    const all = await run('edit', {
      filePath: 'project/dup.txt',
      oldString: 'a',
      newString: 'b',
      replaceAll: true,
    });
    expect(text(all)).toMatch(/replaced 3 occurrences/);
    expect(await readFile(file('project/dup.txt'), 'utf8')).toBe('b-b-b\n');
  });

  it('reports text that is not there, identical strings and missing files', async () => {
    const absent = await run('edit', {
      filePath: 'project/README.md',
      oldString: 'nope',
      newString: 'x',
    });
    expect(text(absent)).toMatch(/^oldString not found in /);
    const same = await run('edit', {
      filePath: 'project/README.md',
      oldString: 'x',
      newString: 'x',
    });
    expect(text(same)).toMatch(/identical/);
    const missing = await run('edit', {
      filePath: 'project/none.md',
      oldString: 'a',
      newString: 'b',
    });
    expect(text(missing)).toMatch(/^File not found: /);
    expect(
      text(
        await run('edit', {
          filePath: 'project/README.md',
          oldString: 'a',
          newString: 'b',
          replaceAll: 'yes',
        }),
      ),
    ).toMatch(/'replaceAll' must be true or false/);
  });

  it('creates a new file from an empty oldString, but not over an existing one', async () => {
    const created = await run('edit', {
      filePath: 'project/new/deep/file.txt',
      oldString: '',
      newString: 'fresh\n',
    });
    expect(text(created)).toMatch(/^Created .*file\.txt \(6 bytes\)/);
    expect(await readFile(file('project/new/deep/file.txt'), 'utf8')).toBe('fresh\n');
    const existing = await run('edit', {
      filePath: 'project/README.md',
      oldString: '',
      newString: 'x',
    });
    expect(existing.isError).toBe(true);
    expect(text(existing)).toMatch(/oldString cannot be empty when editing an existing file/);
  });

  it('matches \\n-written text in a CRLF file and keeps its line ends', async () => {
    await writeFile(file('project/crlf.txt'), 'one\r\ntwo\r\nthree\r\n');
    const result = await run('edit', {
      filePath: 'project/crlf.txt',
      oldString: 'one\ntwo',
      newString: 'uno\ndos',
    });
    expect(result.isError).toBeUndefined();
    expect(await readFile(file('project/crlf.txt'), 'utf8')).toBe('uno\r\ndos\r\nthree\r\n');
  });
});

describe('write', { timeout: 60_000 }, () => {
  it('creates a file with its parent directories, then overwrites it', async () => {
    const created = await run('write', { filePath: 'project/out/a/b.txt', content: 'hello\n' });
    expect(text(created)).toBe(
      `Wrote file successfully. Created ${file('project/out/a/b.txt')} (6 bytes).`,
    );
    expect(await readFile(file('project/out/a/b.txt'), 'utf8')).toBe('hello\n');
    const again = await run('write', { filePath: file('project/out/a/b.txt'), content: '' });
    expect(text(again)).toMatch(/Overwrote .* \(0 bytes\)/);
    expect(await readFile(file('project/out/a/b.txt'), 'utf8')).toBe('');
  });

  it('refuses directories and paths outside the workspace (symlinks included)', async () => {
    expect(text(await run('write', { filePath: 'project/src', content: 'x' }))).toMatch(
      /is not a regular file/,
    );
    expect(text(await run('write', { filePath: '../escape.txt', content: 'x' }))).toMatch(
      /outside the workspace/,
    );
    await symlink(tmpdir(), file('project/tmp-link'));
    const viaLink = await run('write', { filePath: 'project/tmp-link/evil.txt', content: 'x' });
    expect(viaLink.isError).toBe(true);
    expect(text(await run('write', { filePath: 'project/x.txt' }))).toMatch(
      /'content' must be a string/,
    );
  });
});
