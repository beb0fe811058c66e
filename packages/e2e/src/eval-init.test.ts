import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  envWithoutNodePath,
  runHudWithoutNodePath as hud,
  jobIdOf,
  leftoverProcesses,
  readRunLines,
} from './support/eval-harness.js';
import { expectSummary } from './support/run-hud.js';

// `hud init demo` then `hud eval tasks.ts oracle --all` in a directory outside the repository: nothing
// there resolves @hud/environment, @hud/eval, @hud/graders or zod, so the CLI must lend its own copies to
// the generated files (module fallbacks), in the CLI process and in the environment's child processes.
// The CLI runs without the NODE_PATH pnpm gives vitest, as from a user's shell.

const LENT = ['@hud/environment', '@hud/eval', '@hud/graders', 'zod'];

describe('hud init, then hud eval in a project with no node_modules', () => {
  let root: string;
  let project: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'hud-eval-init-'));
    const init = await hud(['init', 'demo', '--dir', root]);
    expect(init.code, init.stderr).toBe(0);
    project = path.join(root, 'demo');
    expect(readdirSync(project).sort()).toEqual(
      ['.gitignore', 'Dockerfile.hud', 'README.md', 'env.ts', 'package.json', 'tasks.ts'].sort(),
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the generated files import packages their directory cannot resolve', () => {
    const sources = ['env.ts', 'tasks.ts']
      .map((file) => readFileSync(path.join(project, file), 'utf8'))
      .join('\n');
    for (const specifier of LENT) expect(sources).toContain(`from '${specifier}'`);
    // Otherwise this file would not prove the fallbacks: from the project, Node finds none of them.
    const resolvable = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(path.join(project, 'env.ts'))});
const found = ${JSON.stringify(LENT)}.filter((name) => { try { require.resolve(name); return true; } catch { return false; } });
process.stdout.write(JSON.stringify(found));`,
      ],
      { cwd: project, env: envWithoutNodePath(), encoding: 'utf8' },
    );
    expect(JSON.parse(resolvable)).toEqual([]);
  });

  it('hud eval tasks.ts oracle --all scores 1.0 on the local runtime, leaving no process', async () => {
    const run = await hud(['eval', 'tasks.ts', 'oracle', '--all', '--store', 'jobs'], {
      cwd: project,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`on local (${path.join(project, 'env.ts')})`);
    expect(run.stdout).toMatch(/reward 1\.000 over 2 graded runs/);
    const runs = readRunLines(path.join(project, 'jobs'), jobIdOf(run.stdout));
    expect(runs.map((record) => record.reward)).toEqual([1, 1]);
    expect(await leftoverProcesses(project)).toEqual([]);
  });

  it('and on the in-process runtime', async () => {
    const run = await hud(
      ['eval', 'tasks.ts', 'oracle', '--all', '--runtime', 'inprocess', '--store', 'jobs'],
      { cwd: project },
    );
    expectSummary(run, /reward 1\.000 over 2 graded runs/);
  });

  it('nop scores 0.0 and still exits 0', async () => {
    const run = await hud(['eval', 'tasks.ts', 'nop', '--all', '--json', '--store', 'jobs'], {
      cwd: project,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ reward: 0, runs: 2, verdicts: 2, errors: 0 });
  });
});
