import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compilePatterns, gitignorePatterns } from './patterns.js';
import { textLines } from './scan.js';
import { FileTracker } from './tracker.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function workspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hud-tracker-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

describe('FileTracker', () => {
  it('caps the patch bytes of a diff, marks it truncated and re-diffs the rest on the next poll', async () => {
    const dir = await workspace();
    const tracker = new FileTracker(dir, { limits: { maxDiffBytes: 120 } });
    await tracker.takeBaseline();
    await writeFile(path.join(dir, 'small.txt'), 'a\n');
    await writeFile(path.join(dir, 'large.txt'), `${'x'.repeat(200)}\n`);
    const first = await tracker.diff();
    expect(first).toMatchObject({ files_changed: 2, truncated: true });
    expect(first.patches.map((patch) => patch.path)).toEqual(['small.txt']);
    // Left pending, not dropped: the next poll counts it again (alone it is still over the cap).
    const second = await tracker.diff();
    expect(second).toMatchObject({ files_changed: 1, truncated: true, patches: [] });
    const roomy = new FileTracker(dir, { limits: { maxDiffBytes: 1024 } });
    await roomy.takeBaseline();
    expect((await roomy.diff()).truncated).toBeUndefined();
  });

  it("skips what the root .gitignore lists (hud-python's reading of it)", async () => {
    const dir = await workspace({
      '.gitignore': '# build output\n/dist\n*.log\n!keep.log\nout/\n',
    });
    const tracker = new FileTracker(dir);
    await tracker.takeBaseline();
    for (const file of [
      'dist/a.js',
      'app.log',
      'keep.log',
      'out/x.txt',
      'src/out/y.txt',
      'src/main.ts',
    ]) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), 'x\n');
    }
    expect((await tracker.diff()).patches.map((patch) => patch.path)).toEqual(['src/main.ts']);
  });

  it('setup makes the post-setup state the baseline of flush captures', async () => {
    const dir = await workspace();
    const tracker = new FileTracker(dir);
    await tracker.takeBaseline();
    await writeFile(path.join(dir, 'given.pdf'), '%PDF-1.4 setup\n');
    expect((await tracker.setup()).patches.map((patch) => patch.path)).toEqual(['given.pdf']);
    await writeFile(path.join(dir, 'answer.html'), '<p>hi</p>\n');
    const { capture } = await tracker.flush();
    expect(capture.files.map((file) => [file.path, file.status, file.content_type])).toEqual([
      ['answer.html', 'added', 'text/html'],
    ]);
    expect(capture).toMatchObject({ files_changed: 1, files_eligible: 1, files_captured: 1 });
  });
});

describe('patterns', () => {
  it('match directory names anywhere and globs on the last segment, dot files included', () => {
    const excludes = compilePatterns(['node_modules/', '*.pyc', '.git']);
    expect(excludes.matches('node_modules', true)).toBe(true);
    expect(excludes.matches('a/node_modules/b/c.js', false)).toBe(true);
    expect(excludes.matches('node_modules', false)).toBe(false);
    expect(excludes.matches('pkg/.hidden.pyc', false)).toBe(true);
    expect(excludes.matches('.git', true)).toBe(true);
    expect(excludes.matches('.github', true)).toBe(false);
  });

  it('read a .gitignore without comments, negations and leading slashes', () => {
    expect(gitignorePatterns('# c\n\n/dist\n!x\n*.log  \r\n')).toEqual(['dist', '*.log']);
  });
});

describe('textLines', () => {
  it('splits as Python splitlines after universal newlines; invalid UTF-8 or NUL is binary', () => {
    expect(textLines(Buffer.from('a\r\nb\rc\nd'))).toEqual(['a', 'b', 'c', 'd']);
    expect(textLines(Buffer.from('a\n\n'))).toEqual(['a', '']);
    expect(textLines(Buffer.from(''))).toEqual([]);
    expect(textLines(Buffer.from([0xc3, 0x28]))).toBeUndefined();
    expect(textLines(Buffer.from('a\0b'))).toBeUndefined();
  });
});
