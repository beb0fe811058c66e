import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CODING_FIX, jobIdOf, readRunLines, report } from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// `hud eval` on examples/coding-fix through the real CLI: a workspace per rollout (local runtime), the
// oracle's fix applied through the workspace, `node --test` graded inside it.

const stores = mkdtempSync(path.join(tmpdir(), 'coding-fix-store-'));
afterAll(() => rmSync(stores, { recursive: true, force: true }));

function hasBwrap(): boolean {
  try {
    execFileSync('bwrap', ['--unshare-user', '--ro-bind', '/', '/', '--', 'true'], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

interface NodeTestInfo {
  exit_code: number;
  stdout: string;
  _parameters: { command: string };
}

/** The `node_test` sub-score of a coding-fix grade (inside the `fixed` all-of). */
function nodeTest(grade: unknown): { value: number; info: NodeTestInfo } {
  const [fixed] = (grade as { subscores: { children: { name: string }[] }[] }).subscores;
  const found = fixed?.children.find((child) => child.name === 'node_test');
  if (!found) throw new Error(`no node_test sub-score in ${JSON.stringify(grade)}`);
  return found as unknown as { value: number; info: NodeTestInfo };
}

/**
 * `hud eval <coding-fix> <agent> --all`: asserts it exits 0 with reward `reward` over its one run, completed
 * without error; returns the run's record and its `node_test` sub-score.
 */
async function evalCodingFix(agent: string, reward: 0 | 1) {
  const store = path.join(stores, agent);
  const run = await runHud(['eval', CODING_FIX, agent, '--all', '--store', store], {
    timeoutMs: 120_000,
  });
  expect(run.code, run.stderr + run.stdout).toBe(0);
  expect(run.stdout).toMatch(new RegExp(`reward ${reward}\\.000 over 1 graded run`));
  const [record] = readRunLines(store, jobIdOf(run.stdout));
  expect(record).toMatchObject({ reward, status: 'completed', isError: false });
  return { record, tests: nodeTest(record?.grade) };
}

describe('hud eval examples/coding-fix', () => {
  it('oracle fixes the bug through the workspace: reward 1.000', async () => {
    const { record, tests } = await evalCodingFix('oracle', 1);
    expect(tests.value).toBe(1);
    expect(tests.info._parameters.command).toBe('node --test');
    expect(tests.info.stdout).toMatch(/# pass 4\n# fail 0/);
    report(`coding-fix oracle: total ${record?.timings.total} ms`);
  });

  it('nop leaves the bug in a fresh copy: reward 0.000, tests run inside the workspace', async () => {
    const { tests } = await evalCodingFix('nop', 0);
    expect(tests).toMatchObject({ value: 0, info: { exit_code: 1 } });
    expect(tests.info.stdout).toMatch(/# pass 1\n# fail 3/);
    // Under bubblewrap the project is at /workspace, which only exists inside the sandbox.
    if (hasBwrap()) expect(tests.info.stdout).toContain("location: '/workspace/test.js:");
  });
});
