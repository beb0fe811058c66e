import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHud } from './support/run-hud.js';
import { HUD_BIN, serveForSuite } from './support/served-env.js';

// `hud task start` for a user driving an environment by hand: `--out` keeps the whole start frame, and
// `--bindings` prints the session's capabilities as URLs reachable from this machine.

const scratch = mkdtempSync(path.join(tmpdir(), 'hud-task-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Sends `text` to `port` on 127.0.0.1 and resolves with the first bytes that come back. */
async function roundTrip(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    socket.write(text);
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    return chunk.toString('utf8');
  } finally {
    socket.destroy();
  }
}

describe('hud task start against hud serve', () => {
  const suite = serveForSuite();

  it('--out writes the whole start frame, per-episode bindings included', async () => {
    const out = path.join(scratch, 'start.json');
    const start = await runHud([
      'task',
      'start',
      'add',
      '--args',
      '{"a":2,"b":3}',
      '--url',
      suite.url,
      '--out',
      out,
    ]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      prompt: 'What is 2 + 3?',
      bindings: { echo: { hint: 'episode-scoped data, keyed like manifest bindings' } },
    });
    // The parked task is graded by another process.
    const grade = await runHud(['task', 'grade', 'add', '--answer', '5', '--url', suite.url]);
    expect(grade.stdout.trim()).toBe('1.0');
  });

  it('--bindings prints each capability as a local URL that reaches it, until Ctrl-C; the task stays parked', async () => {
    const child = spawn(
      process.execPath,
      [HUD_BIN, 'task', 'start', 'add', '--args', '{"a":4}', '--url', suite.url, '--bindings'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    // Resolves once the echo binding is printed and the forwarding note is on stderr.
    let check = () => {};
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      check();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      check();
    });
    const exited = once(child, 'exit');
    try {
      const echoLine = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no echo binding:\n${stdout}\n${stderr}`)),
          30_000,
        );
        check = () => {
          const line = stdout.split('\n').find((candidate) => candidate.startsWith('echo\t'));
          if (line && stderr.includes('forwarding')) {
            clearTimeout(timer);
            resolve(line);
          }
        };
        check();
      });
      expect(stdout.split('\n')[0]).toBe('What is 4 + 0?');
      const [, protocol, bindingUrl, extra] = echoLine.split('\t');
      expect(protocol).toBe('tcp-echo/1');
      expect(JSON.parse(extra ?? '{}')).toEqual({
        params: { banner: false },
        episode: { hint: 'episode-scoped data, keyed like manifest bindings' },
      });
      const local = new URL(bindingUrl ?? '');
      expect(local.hostname).toBe('127.0.0.1');
      // Not the published address: a forwarder of this CLI, through the control channel.
      const published = /published: (tcp:\/\/[^,)]+)/.exec(stderr)?.[1] ?? '';
      expect(new URL(published).port).not.toBe(local.port);
      expect(await roundTrip(Number(local.port), 'ping\n')).toBe('ping\n');
      child.kill('SIGINT');
      expect(await exited).toEqual([0, null]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toContain('stopped forwarding; the task stays parked');
    const grade = await runHud(['task', 'grade', 'add', '--answer', '4', '--url', suite.url]);
    expect(grade.stdout.trim()).toBe('1.0');
  });
});
