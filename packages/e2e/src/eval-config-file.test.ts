// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the ${VAR} placeholders are TOML text, not templates
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  jobIdOf,
  LETTER_COUNT,
  readJobMeta,
  removeScratch,
  scratchDir,
  stageFixture,
} from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// `.hud_eval.toml` in the working directory (spec §9.4): `[eval]` defaults and agent sections with ${VAR}
// substitution, below the command line; never created unasked; warnings and errors name the file.

afterAll(removeScratch);

it('takes [eval] defaults and ${VAR}s from .hud_eval.toml, lets the command line win, and warns about unknown keys', async () => {
  const sleepy = path.join(stageFixture('sleepy'), 'tasks.ts');
  const cwd = scratchDir('config');
  const file = path.join(cwd, '.hud_eval.toml');
  writeFileSync(
    file,
    [
      '[eval]',
      'source = "${SLEEPY_TASKS}"',
      'agent = "nop"',
      'all = true',
      'group_size = 2',
      'max_steps = 3',
      'max_stepz = 4',
      '',
      '[nop]',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLEEPY_TASKS: sleepy };
  const fromFile = await runHud(['eval', '--store', 'jobs'], { cwd, env, timeoutMs: 60_000 });
  expect(fromFile.code, fromFile.stderr).toBe(0);
  expect(fromFile.stdout).toContain('hud eval: 4 tasks × 2 with nop on local');
  expect(fromFile.stderr).toContain(
    `warning: ${file}: unknown key 'max_stepz' in [eval], ignored (known: source, agent, all,`,
  );
  const store = path.join(cwd, 'jobs');
  expect(readJobMeta(store, jobIdOf(fromFile.stdout))).toMatchObject({
    source: sleepy,
    agent: { name: 'nop' },
    group: 2,
    max_steps: 3,
  });

  // Flags win over the file; what they leave unset still comes from it (all = true).
  const flags = await runHud(
    ['eval', LETTER_COUNT, 'oracle', '--group', '1', '--max-steps', '5', '--store', 'jobs'],
    { cwd, env, timeoutMs: 60_000 },
  );
  expect(flags.code, flags.stderr).toBe(0);
  expect(flags.stdout).toContain('hud eval: 3 tasks × 1 with oracle on local');
  expect(readJobMeta(store, jobIdOf(flags.stdout))).toMatchObject({
    source: LETTER_COUNT,
    agent: { name: 'oracle' },
    group: 1,
    max_steps: 5,
  });
}, 120_000);

it('refuses a broken .hud_eval.toml naming the file and line, and never creates one', async () => {
  const cwd = scratchDir('config');
  const plain = await runHud(['eval', LETTER_COUNT, 'oracle', '--store', 'jobs'], {
    cwd,
    timeoutMs: 60_000,
  });
  expect(plain.code, plain.stderr).toBe(0);
  expect(existsSync(path.join(cwd, '.hud_eval.toml'))).toBe(false);

  const file = path.join(cwd, '.hud_eval.toml');
  writeFileSync(file, '[eval]\nall = true\nagent = "nop\n');
  const broken = await runHud(['eval', LETTER_COUNT, '--store', 'jobs'], { cwd });
  expect(broken.code).toBe(1);
  expect(broken.stderr).toContain(`hud: ${file} line 3, column 13: not valid TOML:`);
  writeFileSync(file, '[eval]\nmax_concurrent = "many"\n');
  const wrongType = await runHud(['eval', LETTER_COUNT, '--store', 'jobs'], { cwd });
  expect(wrongType.code).toBe(1);
  expect(wrongType.stderr).toContain(
    `hud: ${file}: [eval] max_concurrent must be a whole number ≥ 1, got "many"`,
  );
});
