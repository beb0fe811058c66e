import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  jobIdOf,
  jobIds,
  leftoverProcesses,
  readRunLines,
  removeScratch,
  scratchDir,
  stageFixture,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// A JSONL row naming another environment than the env.ts its folder serves must not run against it.

afterAll(removeScratch);

it('refuses a .jsonl row naming another environment, naming both environments and the env file', async () => {
  const dir = stageFixture('other-env');
  const store = scratchDir('store');
  for (const source of [dir, path.join(dir, 'tasks.jsonl')]) {
    const run = await runHud(['eval', source, 'oracle', '--all', '--store', store]);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stderr).toContain(
      `hud: task 'theirs' names environment 'other-env', but the rows of ${source} run against ${path.join(dir, 'env.ts')}, which declares 'rows'`,
    );
    expect(run.stderr).not.toContain('mine');
  }
  // Refused before anything ran: no job, no environment process.
  expect(jobIds(store)).toEqual([]);
  expect(await leftoverProcesses(dir)).toEqual([]);

  // The folder's own rows still run.
  writeFileSync(
    path.join(dir, 'tasks.jsonl'),
    '{"env":"rows","id":"double","args":{"n":1},"slug":"mine"}\n',
  );
  const ok = await runHud(['eval', dir, 'oracle', '--store', store]);
  expect(ok.code, ok.stderr).toBe(0);
  expect(readRunLines(store, jobIdOf(ok.stdout)).map((run) => [run.slug, run.reward])).toEqual([
    ['mine', 1],
  ]);
});
