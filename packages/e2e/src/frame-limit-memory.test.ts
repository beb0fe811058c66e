import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHud } from './support/run-hud.js';
import { CONFORMANCE_ENV, type ServedEnv, serveEnv } from './support/served-env.js';

/**
 * Over-limit frames against a real `hud serve` child: every connection is refused as soon as its line
 * passes `--max-frame-bytes` (before any newline), and the memory the server held for those lines goes back
 * to the operating system (the child's VmRSS returns near its baseline), instead of lingering as freed
 * heap. Ten parallel lines, 32 MiB limit (320 MiB held at once): before the fix the server held the chunks
 * of each line plus a `Buffer.concat` of them and its RSS stayed 220–240 MiB up afterwards; now it ends
 * 25–75 MiB up (read buffers the allocator keeps after they were freed), under the bound of four times the
 * limit.
 */
const MiB = 1024 * 1024;
const LIMIT = 32 * MiB;
const CONNECTIONS = 10;
/** Each client sends this much of one line, never its newline, then waits for the refusal. */
const SENT = LIMIT + MiB;

/** Resident set size of process `pid` in bytes (`VmRSS` of /proc/<pid>/status). */
function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/**
 * Opens a connection and sends `SENT` bytes of one unfinished JSON string (1 MiB writes, with
 * backpressure; stops early once the server answers). Resolves with everything the server sent, once the
 * connection is closed (only then).
 */
function sendOverLimitLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const filler = Buffer.alloc(MiB, 0x61);
    const opening = Buffer.from(filler);
    opening[0] = 0x22; // '"': the line starts as a JSON string and never ends.
    let sent = 0;
    let reply = '';
    let answered = false;
    socket.on('data', (data: Buffer) => {
      reply += data.toString('utf8');
      answered = true;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the reply is a close too; before it, a failure.
      if (!answered) reject(error);
    });
    socket.once('close', () => resolve(reply));
    const pump = () => {
      while (!answered && sent < SENT) {
        const piece = sent === 0 ? opening : filler.subarray(0, Math.min(MiB, SENT - sent));
        sent += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.once('connect', pump);
  });
}

/** A short exchange that loads the server's request and refusal paths before the baseline is taken. */
async function warmUp(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    socket.on('data', (data: Buffer) => {
      reply += data.toString('utf8');
      if (reply.split('\n').length > 2) socket.end();
    });
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.write('{"jsonrpc":"2.0","id":1,"method":"tasks.list","params":{}}\n{oops\n');
  });
}

describe.skipIf(process.platform !== 'linux')('over-limit frames against hud serve', () => {
  let served: ServedEnv;
  beforeAll(async () => {
    served = await serveEnv(undefined, ['--max-frame-bytes', String(LIMIT)]);
  });
  afterAll(async () => {
    await served?.stop();
  });

  it('refuses ten parallel over-limit lines before their newline, closes each, and gives the memory back', async () => {
    const pid = served.child.pid as number;
    await warmUp(served.port);
    const baseline = residentBytes(pid);

    const refusals = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => sendOverLimitLine(served.port)),
    );
    // Every connection was closed (the promises settle only then), each after one error frame: the line
    // never got its newline, so the refusal came from passing the limit.
    for (const reply of refusals) {
      expect(reply).toMatch(
        new RegExp(
          `^\\{"jsonrpc":"2\\.0","id":null,"error":\\{"code":-32600,"message":"frame exceeds the limit of ${LIMIT} bytes \\(at least \\d+ bytes before the newline\\)"\\}\\}\\n$`,
        ),
      );
    }

    // A memory bound, not a timing: the refused lines' bytes must not stay resident. The server is given a
    // moment to finish closing (each refused connection lingers at most 1 s), then sampled.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = residentBytes(pid);
    expect(
      after - baseline,
      `VmRSS grew from ${(baseline / MiB).toFixed(1)} MiB to ${(after / MiB).toFixed(1)} MiB`,
    ).toBeLessThan(4 * LIMIT);

    // And the server still works.
    await warmUp(served.port);
  });
});

describe('hud serve --max-frame-bytes', () => {
  it('refuses a limit above the longest string a frame can decode to, naming the flag', async () => {
    const run = await runHud([
      'serve',
      CONFORMANCE_ENV,
      '--port',
      '0',
      '--max-frame-bytes',
      '1073741824',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--max-frame-bytes must be at most \d+ .*got '1073741824'/);
  });
});
