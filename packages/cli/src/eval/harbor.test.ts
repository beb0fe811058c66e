import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHarborTaskset } from './harbor.js';

/** Writes `files` (relative path → content) under `root`. */
async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, text] of Object.entries(files)) {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

const TASK = {
  'task.toml': '',
  'instruction.md': 'Say hello.\n',
  'environment/Dockerfile': 'FROM ubuntu:24.04\n',
  'tests/test.sh': '#!/bin/sh\necho 1 > /logs/verifier/reward.txt\n',
};

function under(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => [`${prefix}/${name}`, text]),
  );
}

describe('loadHarborTaskset', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hud-cli-harbor-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads a folder of datasets, naming each left-out task by its path under the source', async () => {
    const folder = path.join(root, 'datasets');
    await writeFiles(folder, {
      ...under('alpha/hello', TASK),
      ...under('beta/hello', TASK),
      ...under('beta/broken', { ...TASK, 'task.toml': '[agent\n' }),
    });
    const notes: string[] = [];
    const taskset = await loadHarborTaskset(folder, (line) => notes.push(line));
    expect(taskset?.slugs).toEqual(['alpha/hello', 'beta/hello']);
    expect(notes).toEqual([
      expect.stringMatching(/^harbor: beta\/broken left out: \[harbor\.invalid\.toml\] /),
    ]);
  });

  it('leaves a directory with a hud tasks module to the module loader, even with Harbor tasks inside', async () => {
    const project = path.join(root, 'project');
    await writeFiles(project, {
      'tasks.ts': 'export default [];\n',
      ...under('hello', TASK),
      ...under('more/bye', TASK),
    });
    expect(await loadHarborTaskset(project, () => {})).toBeUndefined();
    // A Harbor task or dataset inside it still loads as one.
    expect((await loadHarborTaskset(path.join(project, 'hello'), () => {}))?.slugs).toEqual([
      'hello',
    ]);
    expect((await loadHarborTaskset(path.join(project, 'more'), () => {}))?.slugs).toEqual(['bye']);
  });
});
