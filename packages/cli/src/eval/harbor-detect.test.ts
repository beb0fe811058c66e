import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as harbor from '@hud/harbor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harborTaskDir, isHarborRow, isHarborSource } from './harbor-detect.js';

describe('isHarborSource (without @hud/harbor)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hud-harbor-detect-'));
    const files = [
      'task/task.toml',
      'dataset/one/task.toml',
      'folder/ds/one/task.toml',
      'hidden/.ds/one/task.toml',
      'modules/node_modules/one/task.toml',
      'deep/a/b/c/task.toml',
      'plain/tasks.ts',
      'not-a-file/task.toml/x',
    ];
    for (const file of files) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), '');
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('tells a task, a dataset and a folder of datasets apart from anything else, as @hud/harbor does', () => {
    const cases: [string, boolean][] = [
      ['task', true],
      ['dataset', true],
      ['folder', true],
      ['hidden', false],
      ['modules', false],
      ['deep', false],
      ['plain', false],
      ['plain/tasks.ts', false],
      ['not-a-file', false],
      ['missing', false],
    ];
    for (const [name, expected] of cases) {
      const source = path.join(root, name);
      expect([name, isHarborSource(source)]).toEqual([name, expected]);
      expect([name, harbor.isHarborSource(source)]).toEqual([name, expected]);
    }
  });
});

describe('harborTaskDir', () => {
  const row = (runtime_config: Record<string, unknown> | null) => ({
    env: 'e',
    id: 'run',
    args: {},
    slug: 's',
    runtime_config,
  });

  it("reads runtime_config.harbor.task_dir, as @hud/harbor's loader writes it", () => {
    const rows = [
      row({ harbor: { task_dir: '/tasks/hello' } }),
      row({ harbor: {} }),
      row({ harbor: ['x'] }),
      row({ image: 'alpine' }),
      row(null),
    ];
    expect(rows.map(harborTaskDir)).toEqual([
      '/tasks/hello',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(rows.map(isHarborRow)).toEqual(rows.map(harbor.isHarborRow));
  });
});
