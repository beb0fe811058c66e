import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bashTool, buildToolset, editorTool, sshToolProvider, truncateMiddle } from '@hud/agents';
import { Environment, serve } from '@hud/environment';
import { HudClient } from '@hud/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { directWorkspace, outputText } from '../support/workspace.js';

// The bash and editor tools over a real workspace (SSH server, bash, files), connected directly.

const ws = directWorkspace('workspace-tools');
const text = outputText;
const file = (name: string) => path.join(ws.workspace.root, name);

describe('bash tool', { timeout: 60_000 }, () => {
  const bash = () => bashTool(ws.shell, { timeoutMs: 30_000 });

  it("reports command, stdout, stderr and exit code in hud-python's format", async () => {
    const ok = await bash().run({ command: 'echo hello' });
    expect(ok).toEqual({ content: [{ type: 'text', text: '$ echo hello\nhello\n\n(exit 0)' }] });
    const failed = await bash().run({ command: 'echo out; echo bad >&2; exit 3' });
    expect(failed.isError).toBe(true);
    expect(text(failed)).toBe('$ echo out; echo bad >&2; exit 3\nout\n\nstderr:\nbad\n\n(exit 3)');
  });

  it('answers restart without running anything and rejects a missing command', async () => {
    expect(text(await bash().run({ restart: true }))).toMatch(/restart is unnecessary/);
    const missing = await bash().run({});
    expect(missing.isError).toBe(true);
  });

  it('times out with an error naming the limit', async () => {
    const result = await bash().run({ command: 'echo started; sleep 30', timeout_ms: 500 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^bash timed out after 0\.5s; retry with a shorter command\n/);
    expect(text(result)).toContain('started');
  });

  it('caps long output by cutting the middle, marked', async () => {
    const tool = bashTool(ws.shell, { maxOutputBytes: 1000 });
    const result = await tool.run({ command: 'seq 1 5000' });
    const shown = text(result);
    expect(Buffer.byteLength(shown)).toBeLessThan(1100);
    expect(shown).toMatch(/^\$ seq 1 5000\n1\n2\n/);
    expect(shown).toMatch(/…\[truncated \d+ bytes\]…/);
    expect(shown).toMatch(/4999\n5000\n\n\(exit 0\)$/);
    expect(truncateMiddle('short', 10)).toBe('short');
  });
});

describe('editor tool', { timeout: 60_000 }, () => {
  // Built per test: `shell` is connected in beforeAll.
  const tool = () => editorTool(ws.shell);

  beforeEach(async () => {
    await writeFile(file('lines.txt'), 'one\ntwo\nthree\nfour\nfive\n');
  });

  it('views a file with line numbers, whole or a range', async () => {
    const whole = await tool().run({ command: 'view', path: 'lines.txt' });
    expect(text(whole)).toBe(
      `Here's the result of running \`cat -n\` on ${file('lines.txt')}:\n     1\tone\n     2\ttwo\n     3\tthree\n     4\tfour\n     5\tfive\n`,
    );
    const range = await tool().run({ command: 'view', path: 'lines.txt', view_range: [2, 3] });
    expect(text(range)).toMatch(/:\n {5}2\ttwo\n {5}3\tthree\n$/);
    const toEnd = await tool().run({ command: 'view', path: 'lines.txt', view_range: [4, -1] });
    expect(text(toEnd)).toMatch(/:\n {5}4\tfour\n {5}5\tfive\n$/);
    const bad = await tool().run({ command: 'view', path: 'lines.txt', view_range: [4, 9] });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/view_range end 9 must be -1 or within \[4, 5\]/);
  });

  it('lists a directory two levels deep without hidden entries', async () => {
    await mkdir(file('tree/a/b/c'), { recursive: true });
    await writeFile(file('tree/a/x.txt'), '');
    await writeFile(file('tree/.hidden'), '');
    const result = await tool().run({ command: 'view', path: 'tree' });
    const root = file('tree');
    expect(text(result)).toBe(
      `Here are the files and directories up to 2 levels deep in ${root}, excluding hidden items:\n${root}\n${root}/a\n${root}/a/b\n${root}/a/x.txt\n`,
    );
  });

  it('creates files (with parent directories) and overwrites them', async () => {
    const created = await tool().run({
      command: 'create',
      path: 'new/dir/f.txt',
      file_text: 'hi\n',
    });
    expect(text(created)).toBe(`File created successfully at: ${file('new/dir/f.txt')}`);
    expect(await readFile(file('new/dir/f.txt'), 'utf8')).toBe('hi\n');
    const again = await tool().run({ command: 'create', path: 'new/dir/f.txt', file_text: 'bye' });
    expect(text(again)).toMatch(/overwritten/);
    expect(await readFile(file('new/dir/f.txt'), 'utf8')).toBe('bye');
    const onDir = await tool().run({ command: 'create', path: 'new', file_text: 'x' });
    expect(onDir.isError).toBe(true);
  });

  it('str_replace needs exactly one match and names the count otherwise', async () => {
    const none = await tool().run({
      command: 'str_replace',
      path: 'lines.txt',
      old_str: 'six',
      new_str: '6',
    });
    expect(none.isError).toBe(true);
    expect(text(none)).toMatch(/did not appear verbatim .*\(0 occurrences\)/);
    const many = await tool().run({
      command: 'str_replace',
      path: 'lines.txt',
      old_str: 'o',
      new_str: '0',
    });
    expect(many.isError).toBe(true);
    expect(text(many)).toMatch(/old_str occurs 3 times .*\(lines 1, 2, 4\)/);
    expect(await readFile(file('lines.txt'), 'utf8')).toBe('one\ntwo\nthree\nfour\nfive\n');
    const one = await tool().run({
      command: 'str_replace',
      path: 'lines.txt',
      old_str: 'three\n',
      new_str: '3\n3b\n',
    });
    expect(one.isError).toBeUndefined();
    expect(await readFile(file('lines.txt'), 'utf8')).toBe('one\ntwo\n3\n3b\nfour\nfive\n');
    expect(text(one)).toMatch(/ {5}3\t3\n {5}4\t3b\n/);
  });

  it('inserts after a line, at the top and at the end', async () => {
    await tool().run({
      command: 'insert',
      path: 'lines.txt',
      insert_line: 2,
      new_str: 'two-and-a-half',
    });
    await tool().run({ command: 'insert', path: 'lines.txt', insert_line: 0, new_str: 'zero\n' });
    await tool().run({ command: 'insert', path: 'lines.txt', insert_line: 7, new_str: 'six' });
    expect(await readFile(file('lines.txt'), 'utf8')).toBe(
      'zero\none\ntwo\ntwo-and-a-half\nthree\nfour\nfive\nsix\n',
    );
    await writeFile(file('no-newline.txt'), 'a\nb');
    await tool().run({ command: 'insert', path: 'no-newline.txt', insert_line: 2, new_str: 'c' });
    expect(await readFile(file('no-newline.txt'), 'utf8')).toBe('a\nb\nc\n');
    const out = await tool().run({
      command: 'insert',
      path: 'lines.txt',
      insert_line: 99,
      new_str: 'x',
    });
    expect(out.isError).toBe(true);
    expect(text(out)).toMatch(/insert_line 99 must be within \[0, 8\]/);
  });

  it('refuses paths that leave the workspace', async () => {
    for (const outside of ['../../etc/passwd', '/etc/passwd', `${ws.workspace.root}/../x`]) {
      const result = await tool().run({ command: 'view', path: outside });
      expect(result.isError, outside).toBe(true);
      expect(text(result)).toMatch(/is outside the workspace/);
    }
    await symlink('/etc', file('etc-link'));
    const viaLink = await tool().run({ command: 'view', path: 'etc-link/passwd' });
    expect(viaLink.isError).toBe(true);
    expect(text(viaLink)).toMatch(/resolves outside the workspace .* through a symlink/);
    const write = await tool().run({ command: 'create', path: 'etc-link/evil', file_text: 'x' });
    expect(write.isError).toBe(true);
    await symlink(file('lines.txt'), file('inside-link'));
    const inside = await tool().run({ command: 'view', path: 'inside-link' });
    expect(text(inside)).toMatch(/ {5}1\tone/);
  });

  it('reports a missing file and an unknown command as errors', async () => {
    const missing = await tool().run({ command: 'str_replace', path: 'nope', old_str: 'a' });
    expect(text(missing)).toMatch(/does not exist/);
    const unknown = await tool().run({ command: 'delete', path: 'lines.txt' });
    expect(text(unknown)).toMatch(/unknown command "delete"/);
  });
});

describe('sshToolProvider through HudClient', { timeout: 60_000 }, () => {
  it('builds bash and editor over the opened shell binding', async () => {
    const env = new Environment({ name: 'tools' });
    env.workspace({ isolation: 'none', env: { HOME: ws.home } });
    const server = await serve(env);
    const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
    try {
      const tools = await buildToolset({ client, bindings: client.manifest?.bindings ?? [] }, [
        sshToolProvider(),
      ]);
      expect(tools.map((tool) => tool.name)).toEqual(['bash', 'editor']);
      const [bash] = tools;
      expect(text(await (bash as (typeof tools)[0]).run({ command: 'echo via-tunnel' }))).toMatch(
        /via-tunnel/,
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
});
