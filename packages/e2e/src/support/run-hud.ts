import { execFile } from 'node:child_process';
import { expect } from 'vitest';
import { HUD_BIN } from './served-env.js';

/** The outcome of one `hud …` child process. */
export interface HudRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `hud` CLI as a child process and collects its output (never rejects on exit codes);
 * `env` replaces the child's environment (default: this process's).
 */
export function runHud(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<HudRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [HUD_BIN, ...args],
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 30_000,
        encoding: 'utf8',
        // Default: this process's environment.
        ...(options.env ? { env: options.env } : {}),
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Asserts `hud eval` exited 0 (showing its output otherwise) and printed `summary` (its closing line). */
export function expectSummary(run: HudRun, summary: RegExp): void {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toMatch(summary);
}
