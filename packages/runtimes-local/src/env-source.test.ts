import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveEnvSource } from './env-source.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'hud-env-source-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (relative: string, text = '') => {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};

describe('resolveEnvSource', () => {
  it('returns a directory as is', () => {
    mkdirSync(path.join(root, 'envdir'));
    expect(resolveEnvSource('envdir', root)).toBe(path.join(root, 'envdir'));
  });

  it('returns a .ts or .js file that declares an Environment as is', () => {
    const ts = write('a/tasks.ts', "export const env = new Environment({ name: 'a' });");
    write('a/env.ts', 'export {};');
    expect(resolveEnvSource(ts)).toBe(ts);
    const js = write('b/world.mjs', 'const env = new  Environment ();');
    expect(resolveEnvSource(js)).toBe(js);
  });

  it('falls back to a sibling env.ts, then env.js', () => {
    const tasks = write('c/tasks.ts', "import { env } from './env.js'; export const t = env;");
    const envJs = write('c/env.js', 'export const env = new Environment();');
    expect(resolveEnvSource(tasks)).toBe(envJs);
    const envTs = write('c/env.ts', 'export const env = new Environment();');
    expect(resolveEnvSource(tasks)).toBe(envTs);
    const json = write('c/tasks.json', '[]');
    expect(resolveEnvSource(json)).toBe(envTs);
  });

  it("falls back to the file's directory", () => {
    const jsonl = write('d/tasks.jsonl', '{}\n');
    expect(resolveEnvSource(jsonl)).toBe(path.join(root, 'd'));
    const ts = write('e/tasks.ts', 'export const rows = [];');
    expect(resolveEnvSource(ts)).toBe(path.join(root, 'e'));
  });

  it('names a missing file', () => {
    expect(() => resolveEnvSource('missing/tasks.json', root)).toThrow(
      path.join(root, 'missing/tasks.json'),
    );
    try {
      resolveEnvSource('missing/tasks.json', root);
    } catch (error) {
      expect(error).toMatchObject({ code: 'source_not_found' });
    }
  });
});
