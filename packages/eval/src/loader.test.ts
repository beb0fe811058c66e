import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDirEachTest } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { loadTaskset } from './loader.js';
import { Taskset } from './taskset.js';
import { writeTaskset } from './write-taskset.js';

const scratch = tempDirEachTest('hud-eval-loader-');

async function write(name: string, text: string): Promise<string> {
  const file = path.join(scratch.path, name);
  await writeFile(file, text);
  return file;
}

const jsonl = (...rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n');

describe('loadTaskset: JSON and JSONL', () => {
  it('loads a .json list or single object, named after the file stem', async () => {
    const list = await write(
      'mine.json',
      JSON.stringify([
        { env: 'e', id: 'a' },
        { env: 'e', id: 'b', args: { x: 1 } },
      ]),
    );
    const taskset = await loadTaskset(list);
    expect(taskset.name).toBe('mine');
    expect(taskset.slugs).toEqual(['a', expect.stringMatching(/^b-[0-9a-f]{8}$/)]);
    const single = await write('one.json', JSON.stringify({ env: 'e', id: 'solo' }));
    expect((await loadTaskset(single)).slugs).toEqual(['solo']);
  });

  it('loads .jsonl skipping blank lines, and names the file and line of a bad row', async () => {
    const file = await write(
      'rows.jsonl',
      `${jsonl({ env: 'e', id: 'a' })}\n\n${jsonl({ id: 'no-env' })}\n`,
    );
    await expect(loadTaskset(file)).rejects.toThrow(`${file} line 3: invalid task row: env:`);
    const good = await write(
      'good.jsonl',
      `${jsonl({ env: 'e', id: 'a' }, { env: 'e', id: 'b' })}\n\n`,
    );
    expect((await loadTaskset(good)).size).toBe(2);
  });

  it('names the line of invalid JSON and the index of a bad .json row', async () => {
    const broken = await write('broken.jsonl', `${jsonl({ env: 'e', id: 'a' })}\n{"env": `);
    await expect(loadTaskset(broken)).rejects.toThrow(`${broken} line 2: invalid JSON`);
    const list = await write(
      'list.json',
      JSON.stringify([
        { env: 'e', id: 'a' },
        { env: 'e', id: 7 },
      ]),
    );
    await expect(loadTaskset(list)).rejects.toThrow(`${list} index 1: invalid task row: id:`);
  });

  it('rejects duplicate slugs naming every line, and unknown environments', async () => {
    const file = await write(
      'dup.jsonl',
      jsonl({ env: 'e', id: 'a' }, { env: 'e', id: 'b' }, { env: 'e', id: 'a', slug: 'a' }),
    );
    await expect(loadTaskset(file)).rejects.toThrow(
      `duplicate task slugs in ${file}: 'a' (${file} line 1, ${file} line 3)`,
    );
    const envs = await write(
      'envs.jsonl',
      jsonl({ env: 'e', id: 'a' }, { env: 'x', id: 'b', verifier: { env: 'judge', id: 'v' } }),
    );
    await expect(loadTaskset(envs, { knownEnvs: ['e', 'judge'] })).rejects.toThrow(
      `unknown environment 'x' at ${envs} line 2 (known: e, judge)`,
    );
    expect((await loadTaskset(envs, { knownEnvs: ['e', 'x', 'judge'] })).size).toBe(2);
  });

  it('rejects a source without tasks, naming it', async () => {
    const empty = await write('empty.jsonl', '\n\n');
    await expect(loadTaskset(empty)).rejects.toThrow(`no tasks in ${empty}`);
    const emptyList = await write('empty.json', '[]');
    await expect(loadTaskset(emptyList)).rejects.toThrow(`no tasks in ${emptyList}`);
    await expect(loadTaskset(path.join(scratch.path, 'missing.json'))).rejects.toThrow(
      'task source not found',
    );
    // A directory with none of the sources: the message names Harbor's task.toml too.
    const nothing = path.join(scratch.path, 'nothing');
    await mkdir(nothing);
    await expect(loadTaskset(nothing)).rejects.toThrow(
      `no tasks in ${nothing}: looked for tasks.ts, tasks.mts, tasks.js, tasks.mjs, index.ts, index.mts, index.js, index.mjs or *.json / *.jsonl files, and for Harbor tasks: task.toml in it, in its subdirectories (a dataset) or one level below those (a folder of datasets)`,
    );
    await expect(loadTaskset(await write('tasks.csv', 'a,b'))).rejects.toThrow(
      'unsupported taskset source',
    );
  });

  it('loads every .json/.jsonl of a directory without a tasks module, in file-name order', async () => {
    await write('b.jsonl', jsonl({ env: 'e', id: 'second' }));
    await write('a.json', JSON.stringify([{ env: 'e', id: 'first' }]));
    await write('notes.txt', 'ignored');
    const taskset = await loadTaskset(scratch.path);
    expect(taskset.name).toBe(path.basename(scratch.path));
    expect(taskset.slugs).toEqual(['first', 'second']);
  });

  it('resolves compose paths against the file and writes them relative to the target', async () => {
    const row = {
      env: 'e',
      id: 'c',
      runtime_config: { compose: { document: 'compose/app.yaml', root: null } },
    };
    const file = await write('compose.json', JSON.stringify([row]));
    const [task] = (await loadTaskset(file)).tasks;
    expect(task?.runtime_config?.compose).toEqual({
      document: path.join(scratch.path, 'compose/app.yaml'),
      root: null,
    });
    const out = path.join(scratch.path, 'out', 'rows.jsonl');
    await writeTaskset(await loadTaskset(file), out);
    expect(JSON.parse(await readFile(out, 'utf8')).runtime_config.compose).toEqual({
      document: '../compose/app.yaml',
    });
  });
});

describe('writeTaskset', () => {
  const taskset = new Taskset('rt', [
    { env: 'e', id: 'a', args: { keep: null, n: 1 }, columns: null, validation: [{ k: 1 }] },
    { env: 'e', id: 'b', verifier: { env: 'j', id: 'v', agent_config: null } },
  ]);

  it('round-trips through .json (a list indented by 2) and .jsonl (nulls excluded)', async () => {
    for (const name of ['rows.json', 'rows.jsonl']) {
      const file = path.join(scratch.path, name);
      await writeTaskset(taskset, file);
      const loaded = await loadTaskset(file);
      expect(loaded.tasks).toEqual([
        {
          env: 'e',
          id: 'a',
          args: { keep: null, n: 1 },
          slug: taskset.slugs[0],
          validation: [{ k: 1 }],
        },
        {
          env: 'e',
          id: 'b',
          args: {},
          slug: 'b',
          verifier: { env: 'j', id: 'v', args: {}, slug: 'v' },
        },
      ]);
    }
    const json = await readFile(path.join(scratch.path, 'rows.json'), 'utf8');
    expect(json.startsWith('[\n  {\n    "env": "e"')).toBe(true);
    const lines = (await readFile(path.join(scratch.path, 'rows.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toEqual({
      env: 'e',
      id: 'a',
      args: { keep: null, n: 1 },
      slug: taskset.slugs[0],
      validation: [{ k: 1 }],
    });
    expect(lines[1]).not.toContain('agent_config');
  });

  it('refuses other extensions', async () => {
    await expect(writeTaskset(taskset, path.join(scratch.path, 'rows.csv'))).rejects.toThrow(
      'use .json or .jsonl',
    );
  });
});
