import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeScratch, scratchDir, stageFixture } from './support/eval-harness.js';
import { HUD_BIN } from './support/served-env.js';

// `hud eval` runs with V8's young generation capped (a long job's memory): the CLI restarts itself in the
// same process (same pid, stdio and environment) with --max-semi-space-size before it loads anything.
// A module hook in the child records the pid and Node flags of the process that ran the job.

afterAll(removeScratch);

const scratch = scratchDir('heap-flags');
const hook = path.join(scratch, 'record-flags.mjs');
writeFileSync(
  hook,
  `import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  writeFileSync(process.env.HUD_TEST_FLAGS, JSON.stringify({ pid: process.pid, execArgv: process.execArgv }));
});
`,
);

/** Runs `node --import <hook> hud <args>`; resolves with the spawned pid and what the hook recorded. */
function recordFlags(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{
  pid: number | undefined;
  code: number;
  recorded: { pid: number; execArgv: string[] };
}> {
  const record = path.join(scratch, `flags-${Math.random().toString(16).slice(2)}.json`);
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', pathToFileURL(hook).href, HUD_BIN, ...args],
      { env: { ...process.env, ...env, HUD_TEST_FLAGS: record }, timeout: 60_000 },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        try {
          resolve({ pid: child.pid, code, recorded: JSON.parse(readFileSync(record, 'utf8')) });
        } catch (cause) {
          reject(new Error(`no flags recorded (exit ${code}): ${stderr}`, { cause }));
        }
      },
    );
  });
}

describe('hud eval and its heap', () => {
  const project = stageFixture('other-env');
  writeFileSync(
    path.join(project, 'tasks.jsonl'),
    '{"env":"rows","id":"double","args":{"n":1},"slug":"one"}\n',
  );
  const evalArgs = [
    'eval',
    path.join(project, 'tasks.jsonl'),
    'oracle',
    '--store',
    path.join(project, 'jobs'),
  ];

  it('runs the job in the same process, restarted with --max-semi-space-size=8', async () => {
    const { pid, code, recorded } = await recordFlags(evalArgs);
    expect(code).toBe(0);
    expect(recorded.pid).toBe(pid);
    expect(recorded.execArgv[0]).toBe('--max-semi-space-size=8');
    // The flags it was started with are kept.
    expect(recorded.execArgv).toContain('--import');
  });

  it("keeps the user's own semi-space size (NODE_OPTIONS), and leaves other commands alone", async () => {
    const own = await recordFlags(evalArgs, { NODE_OPTIONS: '--max-semi-space-size=16' });
    expect(own.code).toBe(0);
    expect(own.recorded.execArgv).not.toContain('--max-semi-space-size=8');
    for (const args of [['--version'], ['eval', '--help']]) {
      const other = await recordFlags(args);
      expect(other.code).toBe(0);
      expect(other.recorded.execArgv.some((flag) => flag.includes('semi-space'))).toBe(false);
    }
  });
});
