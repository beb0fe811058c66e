import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@hud/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BashGrader, DEFAULT_BASH_TIMEOUT_MS } from './bash-grader.js';
import type { CommandExecutor, CommandRunOptions } from './command-executor.js';
import { isErrorResult } from './error-result.js';
import { LocalCommandExecutor } from './local-command-executor.js';

let workdir: string;
beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'bash-grader-'));
});
afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

/** Processes that are running (zombies count as gone: they have exited, only their parent has not reaped them). */
async function liveProcesses(): Promise<{ pid: number; pgid: number }[]> {
  const out: { pid: number; pgid: number }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') continue;
    out.push({ pid: Number(entry), pgid: Number(fields[2]) });
  }
  return out;
}

async function waitForFile(path: string): Promise<string> {
  for (;;) {
    try {
      const text = (await readFile(path, 'utf8')).trim();
      if (text) return text;
    } catch {
      // not written yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const info = (result: { info?: JsonObject | null }) => result.info as JsonObject;

describe('BashGrader: exit status', () => {
  const grader = new BashGrader();

  it('scores 1 for exit 0 with hud-python info and recorded parameters', async () => {
    const result = await grader.grade({ weight: 0.6, command: 'echo out; echo err >&2' });
    expect(result).toMatchObject({ name: 'BashGrader', weight: 0.6, value: 1 });
    expect(info(result)).toEqual({
      exit_code: 0,
      stdout: 'out\n',
      stderr: 'err\n',
      _parameters: { command: 'echo out; echo err >&2' },
    });
    expect(isErrorResult(result)).toBe(false);
  });

  it('scores 0 for a non-zero exit and reports the code', async () => {
    const result = await grader.grade({ weight: 1, command: 'exit 3' });
    expect(result.value).toBe(0);
    expect(info(result).exit_code).toBe(3);
  });

  it('reports -N for a command killed by signal N, like Python returncode', async () => {
    const result = await grader.grade({ weight: 1, command: 'kill -TERM $$' });
    expect(result.value).toBe(0);
    expect(info(result).exit_code).toBe(-15);
  });

  it('runs a script through bash -lc in the given cwd', async () => {
    const result = await grader.grade({
      weight: 1,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion, not a JS template
      command: 'pwd; echo ${BASH_VERSION:+bash}',
      cwd: workdir,
    });
    const [pwd, shell] = String(info(result).stdout).trim().split('\n');
    expect(await stat(pwd as string).then((s) => s.ino)).toBe((await stat(workdir)).ino);
    expect(shell).toBe('bash');
  });

  it('runs an argv array directly, with no shell interpretation', async () => {
    const text = '$HOME; echo injected `id` $(id)';
    const result = await grader.grade({ weight: 1, command: ['printf', '%s', text] });
    expect(result.value).toBe(1);
    expect(info(result).stdout).toBe(text);
    const failing = await grader.grade({
      weight: 1,
      command: ['test', '-e', '/definitely/not/here'],
    });
    expect(failing.value).toBe(0);
    expect(info(failing).exit_code).toBe(1);
  });

  it('throws for a missing or empty command', async () => {
    await expect(
      grader.grade({ weight: 1, command: undefined as unknown as string }),
    ).rejects.toThrowError(/command is required/);
    await expect(grader.grade({ weight: 1, command: [] })).rejects.toThrowError(
      /command is required/,
    );
  });
});

describe('BashGrader: timeout', () => {
  it('kills the whole process group, background grandchildren included', async () => {
    const pidFile = join(workdir, 'timeout.pids');
    const grader = new BashGrader();
    // 3 s: a login shell on a loaded 2-core CI machine can take over 0.5 s to reach the pid file.
    const result = await grader.grade({
      weight: 1,
      timeoutMs: 3000,
      cwd: workdir,
      command: `echo started; sleep 300 & echo "$$ $!" > ${pidFile}; sleep 300`,
    });
    expect(result.value).toBe(0);
    expect(info(result)).toMatchObject({
      exit_code: null,
      stdout: 'started\n',
      timed_out: true,
      timeout: 3,
    });
    const [shellPid, sleeperPid] = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
    expect(sleeperPid).toBeGreaterThan(0);
    const live = await liveProcesses();
    expect(live.filter((process) => process.pid === sleeperPid)).toEqual([]);
    // The shell led its own group (detached spawn), so the group id is its pid.
    expect(live.filter((process) => process.pgid === shellPid)).toEqual([]);
  });

  it('defaults to 600 s (hud-python default_timeout)', async () => {
    const calls: CommandRunOptions[] = [];
    const executor: CommandExecutor = {
      async run(_command, options) {
        calls.push(options);
        return { exitCode: 0, stdout: '', stderr: '', timedOut: false };
      },
    };
    await new BashGrader({ executor }).grade({ weight: 1, command: 'true' });
    expect(DEFAULT_BASH_TIMEOUT_MS).toBe(600_000);
    expect(calls[0]?.timeoutMs).toBe(600_000);
  });

  it('kills the group when the signal aborts and rejects with the reason', async () => {
    const pidFile = join(workdir, 'abort.pid');
    const controller = new AbortController();
    const grading = new BashGrader().grade({
      weight: 1,
      signal: controller.signal,
      command: `echo $$ > ${pidFile}; sleep 300`,
    });
    const shellPid = Number(await waitForFile(pidFile));
    controller.abort(new Error('task cancelled'));
    await expect(grading).rejects.toThrowError('task cancelled');
    expect((await liveProcesses()).filter((process) => process.pgid === shellPid)).toEqual([]);
  });
});

describe('BashGrader: output capture', () => {
  it('caps stdout and stderr at 1 MiB each and marks the cut', async () => {
    const result = await new BashGrader().grade({
      weight: 1,
      command: "head -c 1100000 /dev/zero | tr '\\0' a; head -c 1048577 /dev/zero | tr '\\0' b >&2",
    });
    const marker = (dropped: number) => `\n…[truncated ${dropped} bytes]`;
    expect(info(result).stdout).toBe('a'.repeat(1048576) + marker(1100000 - 1048576));
    expect(info(result).stderr).toBe('b'.repeat(1048576) + marker(1));
    expect(result.value).toBe(1);
  });

  it('cuts on a UTF-8 character boundary', async () => {
    const executor = new LocalCommandExecutor({ maxOutputBytes: 3 });
    const result = await new BashGrader({ executor }).grade({ weight: 1, command: "printf 'éé'" });
    expect(info(result).stdout).toBe('é\n…[truncated 2 bytes]');
  });

  it('does not wait for background processes after the command exits', async () => {
    const result = await new BashGrader().grade({
      weight: 1,
      timeoutMs: 60_000,
      command: 'sleep 300 & echo done',
    });
    expect(info(result)).toMatchObject({ exit_code: 0, stdout: 'done\n' });
  });
});

describe('BashGrader: infrastructure failures are error results, not 0', () => {
  it('names a working directory that does not exist', async () => {
    const missing = join(workdir, 'nope', 'deeper');
    const result = await new BashGrader().grade({ weight: 0.5, command: 'true', cwd: missing });
    expect(isErrorResult(result)).toBe(true);
    expect(result).toMatchObject({ name: 'BashGrader', weight: 0.5, value: 0 });
    expect(String(info(result).error)).toContain(missing);
    expect(info(result)).toMatchObject({
      exit_code: null,
      timed_out: false,
      error_code: 'cwd_not_found',
    });
  });

  it('reports a missing shell with hud-python stderr text', async () => {
    const executor = new LocalCommandExecutor({ shell: '/nonexistent/bash' });
    const result = await new BashGrader({ executor }).grade({ weight: 1, command: 'true' });
    expect(isErrorResult(result)).toBe(true);
    expect(info(result)).toMatchObject({
      exit_code: null,
      stdout: '',
      stderr: '/nonexistent/bash not found',
      timed_out: false,
    });
  });

  it('reports a missing argv[0]', async () => {
    const result = await new BashGrader().grade({ weight: 1, command: ['no-such-program-hud-ts'] });
    expect(isErrorResult(result)).toBe(true);
    expect(String(info(result).error)).toContain('no-such-program-hud-ts not found');
  });
});

describe('BashGrader: environment', () => {
  it('strips HUD_* variables from the inherited environment by default', async () => {
    process.env.HUD_TEST_SECRET = 'leak';
    process.env.GRADER_TEST_KEEP = 'kept';
    try {
      const result = await new BashGrader().grade({
        weight: 1,
        command: ['sh', '-c', 'echo "[$HUD_TEST_SECRET][$GRADER_TEST_KEEP]"'],
      });
      expect(info(result).stdout).toBe('[][kept]\n');
    } finally {
      delete process.env.HUD_TEST_SECRET;
      delete process.env.GRADER_TEST_KEEP;
    }
  });

  it('uses an explicit base environment and adds the env option on top', async () => {
    const executor = new LocalCommandExecutor({
      baseEnv: { PATH: process.env.PATH, HUD_API_KEY: 'secret', BASE: 'b' },
    });
    const grader = new BashGrader({ executor, env: { EXTRA: 'e', HUD_EXPLICIT: 'given' } });
    const result = await grader.grade({
      weight: 1,
      command: ['sh', '-c', 'echo "$HUD_API_KEY|$BASE|$EXTRA|$HUD_EXPLICIT"'],
    });
    expect(info(result).stdout).toBe('|b|e|given\n');
  });
});
