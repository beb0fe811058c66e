import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, removeTemp, startGateway } from './support/gateway-cli.js';
import { type HudRun, runHud } from './support/run-hud.js';
import { REPO_ROOT } from './support/served-env.js';

// `hud sync tasks|env` and `hud eval <taskset name>` against the real gateway bin (apps/gateway) on
// 127.0.0.1 with a temp data dir: the built CLI as a child process, with HUD_API_URL / HUD_API_KEY and a
// temp HOME.

const KEY = 'hud_e2e_sync_0123456789abcdef0123';
const LETTER_COUNT = path.join(REPO_ROOT, 'examples/letter-count');

const scratch = mkdtempSync(path.join(tmpdir(), 'hud-gateway-sync-'));
let gateway: GatewayProcess | undefined;
let url = '';

beforeAll(async () => {
  gateway = await startGateway(KEY);
  url = gateway.url;
});

afterAll(async () => {
  await gateway?.stop();
  removeTemp();
  rmSync(scratch, { recursive: true, force: true });
});

/** `hud …` against the gateway, with a HOME of its own (no user settings leak in). */
function hud(args: string[], cwd: string, timeoutMs = 60_000): Promise<HudRun> {
  const home = path.join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  return runHud(args, {
    cwd,
    timeoutMs,
    env: { PATH: process.env.PATH, HOME: home, HUD_API_URL: url, HUD_API_KEY: KEY },
  });
}

/** A GET of the gateway's API, as JSON. */
async function api<T>(route: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${KEY}` } });
  return { status: response.status, body: (await response.json()) as T };
}

interface Exported {
  name: string;
  version: number;
  tasks: { name: string; scenario: string; env: string; args: Record<string, unknown> }[];
}

/** The taskset named `name` as the gateway exports it (undefined when there is none). */
async function exported(name: string): Promise<Exported | undefined> {
  const found = await api<{ taskset_id: string }>(`/v2/tasksets/by-name/${name}`);
  if (found.status === 404) return undefined;
  return (await api<Exported>(`/v2/tasksets/${found.body.taskset_id}/export`)).body;
}

/** The slug → args map of an export, for comparing whole states. */
const stateOf = (taskset: Exported | undefined) =>
  Object.fromEntries((taskset?.tasks ?? []).map((task) => [task.name, task.args]));

/** A copy of examples/letter-count (env.ts, tasks.ts) in a fresh folder. */
function letterCountCopy(name: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const file of ['env.ts', 'tasks.ts'])
    cpSync(path.join(LETTER_COUNT, file), path.join(dir, file));
  return dir;
}

/** A tasks.ts of letter-count rows with fixed slugs: `[slug, word, letter]`. */
function writeTasks(dir: string, name: string, rows: [string, string, string][]): void {
  const items = rows
    .map(
      ([slug, word, letter]) =>
        `{ ...count(${JSON.stringify({ word, letter })}), slug: '${slug}' }`,
    )
    .join(',\n  ');
  writeFileSync(
    path.join(dir, 'tasks.ts'),
    `import { Taskset } from '@hud/eval';\nimport { count } from './env.js';\n\nexport default new Taskset('${name}', [\n  ${items},\n]);\n`,
  );
}

/** The diff lines of a sync's stdout. */
const diffLines = (run: HudRun) => run.stdout.split('\n').filter((line) => line.trim() !== '');

describe('hud sync tasks', () => {
  it('creates the taskset from examples/letter-count/tasks.ts, then syncs one changed task as one update', async () => {
    const dir = letterCountCopy('first');
    const first = await hud(['sync', 'tasks', 'letter-count', 'tasks.ts', '-y'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(diffLines(first)).toEqual([
      '  create: count-759529a8 (new)',
      '  create: count-7ad75b60 (new)',
      '  create: count-4c588477 (new)',
    ]);
    const remote = await exported('letter-count');
    expect(remote?.tasks.map((task) => [task.name, task.scenario, task.env, task.args])).toEqual([
      ['count-759529a8', 'count', 'letter-count', { word: 'strawberry', letter: 'r' }],
      ['count-7ad75b60', 'count', 'letter-count', { word: 'raspberry', letter: 'r' }],
      ['count-4c588477', 'count', 'letter-count', { word: 'mississippi', letter: 'r' }],
    ]);
    const config = JSON.parse(readFileSync(path.join(dir, '.hud/config.json'), 'utf8'));
    const byName = await api<{ taskset_id: string }>('/v2/tasksets/by-name/letter-count');
    expect(config).toEqual({ tasksetId: byName.body.taskset_id });

    // Same slugs, one task's args changed: exactly one update line, nothing else on stdout.
    writeTasks(dir, 'letter-count', [
      ['count-759529a8', 'strawberry', 'r'],
      ['count-7ad75b60', 'raspberry', 'p'],
      ['count-4c588477', 'mississippi', 'r'],
    ]);
    const second = await hud(['sync', 'tasks', 'letter-count', 'tasks.ts', '-y'], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('  update: count-7ad75b60 (args changed)\n');
    const after = await exported('letter-count');
    expect(after?.version).toBe(2);
    expect(stateOf(after)['count-7ad75b60']).toEqual({ word: 'raspberry', letter: 'p' });

    // Bare `hud sync` reuses the linked taskset: nothing changed, nothing printed, nothing uploaded.
    const bare = await hud(['sync', '-y'], dir);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('up to date (3 unchanged)');
    expect((await exported('letter-count'))?.version).toBe(2);
  });

  it('--dry-run uploads nothing (with --task, --exclude, --force); without -y and no terminal it refuses', async () => {
    const dir = letterCountCopy('dry');
    writeTasks(dir, 'dry', [['a', 'banana', 'a']]);
    expect((await hud(['sync', 'tasks', 'dry', '-y'], dir)).code).toBe(0);
    writeTasks(dir, 'dry', [
      ['a', 'banana', 'n'],
      ['b', 'kiwi', 'i'],
    ]);
    const dry = await hud(['sync', 'tasks', 'dry', '--dry-run'], dir);
    expect(dry.code, dry.stderr).toBe(0);
    expect(diffLines(dry)).toEqual(['  create: b (new)', '  update: a (args changed)']);
    expect(dry.stderr).toContain('dry run: nothing uploaded');
    // --task / --exclude narrow both sides (no remote-only lines for the others); --force ignores the remote.
    const only = await hud(['sync', 'tasks', 'dry', '--task', 'b', '--dry-run'], dir);
    expect(diffLines(only)).toEqual(['  create: b (new)']);
    const excluded = await hud(['sync', 'tasks', 'dry', '--exclude', 'b', '--dry-run'], dir);
    expect(diffLines(excluded)).toEqual(['  update: a (args changed)']);
    const forced = await hud(['sync', 'tasks', 'dry', '--force', '--dry-run'], dir);
    expect(diffLines(forced)).toEqual(['  create: a (new)', '  create: b (new)']);
    const refused = await hud(['sync', 'tasks', 'dry'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('stdin is not a terminal; pass -y to go ahead');
    const remote = await exported('dry');
    expect(remote?.version).toBe(1);
    expect(stateOf(remote)).toEqual({ a: { word: 'banana', letter: 'a' } });
  });

  it('--export writes the remote taskset as json, jsonl and csv', async () => {
    const dir = letterCountCopy('export');
    writeTasks(dir, 'exported', [
      ['one', 'a,b "c"', 'a'],
      ['two', 'kiwi', 'i'],
    ]);
    expect((await hud(['sync', 'tasks', 'exported', '-y'], dir)).code).toBe(0);
    for (const file of ['out.json', 'out.jsonl', 'out.csv']) {
      const run = await hud(['sync', 'tasks', 'exported', '--export', file], dir);
      expect(run.code, run.stderr).toBe(0);
    }
    const rows = [
      { env: 'letter-count', id: 'count', args: { word: 'a,b "c"', letter: 'a' }, slug: 'one' },
      { env: 'letter-count', id: 'count', args: { word: 'kiwi', letter: 'i' }, slug: 'two' },
    ];
    expect(JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8'))).toEqual(rows);
    const lines = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(rows);
    expect(readFileSync(path.join(dir, 'out.csv'), 'utf8')).toBe(
      // The gateway answers args with sorted keys: the columns follow the order the rows have.
      'slug,id,env,arg:letter,arg:word\r\none,count,letter-count,a,"a,b ""c"""\r\ntwo,count,letter-count,i,kiwi\r\n',
    );
  });

  it('refuses a file with duplicate slugs, naming the slug and both lines, and uploads nothing', async () => {
    const dir = path.join(scratch, 'dupes');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'tasks.jsonl');
    writeFileSync(
      file,
      [
        '{"env":"letter-count","id":"count","slug":"same","args":{"word":"a","letter":"a"}}',
        '{"env":"letter-count","id":"count","slug":"other","args":{"word":"b","letter":"b"}}',
        '{"env":"letter-count","id":"count","slug":"same","args":{"word":"c","letter":"c"}}',
      ].join('\n'),
    );
    const run = await hud(['sync', 'tasks', 'dupes', 'tasks.jsonl', '-y'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `duplicate task slugs in ${file}: 'same' (${file} line 1, ${file} line 3)`,
    );
    expect(await exported('dupes')).toBeUndefined();
  });

  it("shows the gateway's answer for an environment it does not know", async () => {
    const dir = path.join(scratch, 'unknown-env');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'tasks.jsonl'),
      '{"env":"no-such-env","id":"count","slug":"x","args":{}}\n',
    );
    const run = await hud(['sync', 'tasks', 'unknown-env', 'tasks.jsonl', '-y'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      "note: the platform had no environment 'no-such-env': it added it to the registry without an image; run `hud deploy`",
    );
    const registry = await api<{ name: string; image: string | null }[]>('/v2/registry');
    expect(registry.body.find((env) => env.name === 'no-such-env')).toMatchObject({ image: null });
  });

  it('two syncs at once on one taskset leave the state of one of them', async () => {
    const base = letterCountCopy('race-base');
    writeTasks(base, 'race', [
      ['s1', 'apple', 'p'],
      ['s2', 'pear', 'p'],
    ]);
    expect((await hud(['sync', 'tasks', 'race', '-y'], base)).code).toBe(0);
    const a = letterCountCopy('race-a');
    writeTasks(a, 'race', [
      ['s1', 'apple', 'a'],
      ['s2', 'pear', 'p'],
      ['s3', 'fig', 'f'],
    ]);
    const b = letterCountCopy('race-b');
    writeTasks(b, 'race', [
      ['s1', 'apple', 'l'],
      ['s2', 'pear', 'r'],
    ]);
    const runs = await Promise.all([
      hud(['sync', 'tasks', 'race', '-y'], a),
      hud(['sync', 'tasks', 'race', '-y'], b),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const state = stateOf(await exported('race'));
    const ofA = {
      s1: { word: 'apple', letter: 'a' },
      s2: { word: 'pear', letter: 'p' },
      s3: { word: 'fig', letter: 'f' },
    };
    const ofB = { s1: { word: 'apple', letter: 'l' }, s2: { word: 'pear', letter: 'r' } };
    // A always uploads (s3 is new to any state); if B uploaded last, s3 is remote-only (kept, never deleted).
    const expected = [ofA, { ...ofB, s3: ofA.s3 }];
    expect(expected).toContainEqual(state);
    // Both linked the same taskset.
    const ids = [a, b].map(
      (dir) => JSON.parse(readFileSync(path.join(dir, '.hud/config.json'), 'utf8')).tasksetId,
    );
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('hud sync env', () => {
  it('links the registry environment by name and names the ones there are for an unknown one', async () => {
    const dir = path.join(scratch, 'link-env');
    mkdirSync(dir, { recursive: true });
    // A task upload naming an environment adds it to the registry.
    writeFileSync(
      path.join(dir, 'tasks.jsonl'),
      '{"env":"linkable","id":"t","slug":"t","args":{}}\n',
    );
    expect((await hud(['sync', 'tasks', 'link-env', 'tasks.jsonl', '-y'], dir)).code).toBe(0);
    const missing = await hud(['sync', 'env', 'nope', '.', '-y'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no environment 'nope' in the registry .*linkable/);
    const run = await hud(['sync', 'env', 'linkable', '.', '-y'], dir);
    expect(run.code, run.stderr).toBe(0);
    const registry = await api<{ id: string; name: string }[]>('/v2/registry?search=linkable');
    const env = registry.body.find((entry) => entry.name === 'linkable');
    expect(env).toBeDefined();
    expect(JSON.parse(readFileSync(path.join(dir, '.hud/config.json'), 'utf8'))).toMatchObject({
      registryId: env?.id,
      registryName: 'linkable',
    });
  });
});

describe('hud eval <taskset name>', () => {
  beforeAll(async () => {
    // The example's three tasks, as synced (idempotent after the first test of the file).
    const dir = letterCountCopy('eval-sync');
    const sync = await hud(['sync', 'tasks', 'letter-count', 'tasks.ts', '-y'], dir);
    expect(sync.code, sync.stderr).toBe(0);
  });

  it('runs the synced taskset by name from the env.ts of the current directory and grades every row', async () => {
    const dir = letterCountCopy('eval-here');
    const store = path.join(scratch, 'eval-store');
    const run = await hud(
      ['eval', 'letter-count', 'oracle', '--all', '--store', store],
      dir,
      120_000,
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stderr).toMatch(
      /taskset letter-count \([0-9a-f-]{36}\) from http:\/\/127\.0\.0\.1:\d+: 3 tasks/,
    );
    for (const slug of ['count-759529a8', 'count-7ad75b60', 'count-4c588477'])
      expect(run.stdout).toMatch(new RegExp(`${slug}\\s.*1\\.000`));
    expect(run.stdout).toContain('reward 1.000 over 3 graded runs');
  });

  it('says to deploy the environment (or use --remote) when nothing here declares it and it has no image', async () => {
    const dir = path.join(scratch, 'eval-elsewhere');
    mkdirSync(dir, { recursive: true });
    const run = await hud(['eval', 'letter-count', 'oracle', '--all'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "taskset 'letter-count' needs environment 'letter-count' (tasks count-759529a8, count-7ad75b60, count-4c588477)",
    );
    expect(run.stderr).toContain(
      'deploy it with `hud deploy`, or run on the platform with --remote',
    );
  });
});
