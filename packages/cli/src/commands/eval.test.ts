import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../program.js';
import { checkRemoteFlags } from './eval.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `hud eval <args>` parsed and run by the real program (nothing reaches a gateway: it is refused first). */
async function hudEval(args: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  await program.parseAsync(['node', 'hud', 'eval', ...args]);
}

describe('hud eval --remote refuses flags it cannot take, naming the fix', () => {
  it('--resume: a local job, not looked up in the store; says how to follow a platform job', async () => {
    const store = mkdtempSync(path.join(os.tmpdir(), 'hud-eval-remote-'));
    dirs.push(store);
    await expect(
      hudEval(['tasks.ts', '--remote', '--resume', 'abc123', '--store', store]),
    ).rejects.toThrow(
      '--resume re-runs a job of the local job store: it cannot be combined with --remote (follow a job of the platform with hud jobs abc123 --follow)',
    );
  });

  it('--runtime: says the workers choose it and what to drop', async () => {
    await expect(hudEval(['tasks.ts', '--remote', '--runtime', 'docker'])).rejects.toThrow(
      "(the gateway's workers choose it: hud worker --runtime docker|local); drop --runtime",
    );
  });

  it('--watch: refused rather than ignored', () => {
    expect(() =>
      checkRemoteFlags({ config: [], store: '.hud', remote: true, watch: true }),
    ).toThrow(
      '--watch re-runs the job here when local files change: it cannot be combined with --remote',
    );
    expect(() => checkRemoteFlags({ config: [], store: '.hud', watch: true })).not.toThrow();
  });

  it('limits this process enforces (--max-cost, --timeout, …): refused rather than silently ignored', async () => {
    await expect(
      hudEval(['tasks.ts', '--remote', '--max-cost', '5', '--timeout', '60']),
    ).rejects.toThrow(
      "--max-cost, --timeout apply to rollouts run here: not to --remote, whose rollouts the workers run (a job's spend is capped by its key: hud keys update <id> --budget-usd/--budget-tokens",
    );
  });
});
