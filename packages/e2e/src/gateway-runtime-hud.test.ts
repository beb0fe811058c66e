import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { envWithoutNodePath, LETTER_COUNT, WORD_STATS } from './support/eval-harness.js';
import {
  call,
  type GatewayProcess,
  hud,
  newAdminKey,
  removeTemp,
  startGateway,
  tempDir,
} from './support/gateway-cli.js';
import { HUD_BIN } from './support/served-env.js';

// `hud eval … --runtime hud` (issue 16, "Done when" 3): the environment runs on a worker (the CLI's
// serveSessions, `local` runtime in examples/letter-count) behind the real gateway bin, reached through the
// tunnel; the agent and grading run here. Afterwards no session and no substrate process is left.

const LETTER_COUNT_DIR = path.dirname(LETTER_COUNT);

const key = newAdminKey();
let gateway: GatewayProcess;
let worker: ChildProcess;
let workerLog = '';

/**
 * The worker's child processes serving environments (the local runtime's children; not the esbuild
 * service the local runtime's bundler keeps).
 */
function substrates(): string[] {
  if (worker.pid === undefined) return [];
  try {
    return execFileSync('ps', ['-o', 'args=', '--ppid', String(worker.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() && !line.includes('esbuild'));
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 50_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${workerLog}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many times the worker logged `pattern` so far. */
const logged = (pattern: RegExp) => workerLog.match(new RegExp(pattern, 'g'))?.length ?? 0;

const liveSessions = async () =>
  ((await call(gateway.url, key, 'GET', '/runtime/sessions')).body as { sessions: unknown[] })
    .sessions;

beforeAll(async () => {
  gateway = await startGateway(key);
  const env = envWithoutNodePath();
  for (const name of Object.keys(env)) if (name.startsWith('HUD_')) delete env[name];
  // `hud worker --runtime local` in examples/letter-count: it serves rollouts and runtime sessions.
  worker = spawn(
    process.execPath,
    [HUD_BIN, 'worker', '--runtime', 'local', '--concurrency', '8', '--name', 'e2e-sessions'],
    {
      cwd: LETTER_COUNT_DIR,
      env: { ...env, HUD_API_URL: gateway.url, HUD_API_KEY: key },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    worker.stderr?.on('data', (chunk: Buffer) => {
      workerLog += chunk.toString();
      if (workerLog.includes(' serving ')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code}):\n${workerLog}`)));
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await gateway?.stop();
  removeTemp();
});

describe('hud eval --runtime hud (a gateway worker serves the environment through the tunnel)', () => {
  it('runs a platform taskset by name with --runtime hud (hud-python HUDRuntime, its default there)', async () => {
    const home = tempDir('home');
    const vars = { HUD_API_URL: gateway.url, HUD_API_KEY: key };
    const sync = await hud(['sync', 'tasks', 'letter-count-hud', 'tasks.ts', '-y'], {
      home,
      vars,
      cwd: LETTER_COUNT_DIR,
    });
    expect(sync.code, sync.stderr).toBe(0);
    const run = await hud(
      [
        'eval',
        'letter-count-hud',
        'oracle',
        '--all',
        '--runtime',
        'hud',
        '--json',
        '--store',
        home,
      ],
      { home, vars, cwd: tempDir('client'), timeoutMs: 150_000 },
    );
    expect(run.code, `${run.stderr}\n--- worker ---\n${workerLog}`).toBe(0);
    const summary = JSON.parse(run.stdout) as { runs: number; errors: number; reward: number };
    expect(summary).toMatchObject({ runs: 3, errors: 0, reward: 1 });
    expect(run.stderr).toContain(`hud (${gateway.url})`);
    await until('no substrate process left', () => substrates().length === 0);
  }, 180_000);

  it('runs examples/letter-count with oracle: every reward 1.0, then no session or substrate is left', async () => {
    const [ready, tornDown] = [logged(/'letter-count' ready/), logged(/torn down/)];
    const home = tempDir('home');
    const run = await hud(
      ['eval', LETTER_COUNT, 'oracle', '--all', '--runtime', 'hud', '--json', '--store', home],
      { home, vars: { HUD_API_URL: gateway.url, HUD_API_KEY: key }, timeoutMs: 150_000 },
    );
    expect(run.code, `${run.stderr}\n--- worker ---\n${workerLog}`).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      runs: number;
      errors: number;
      tasks: { reward: number | null }[];
    };
    expect(summary).toMatchObject({ runs: 3, errors: 0, reward: 1 });
    expect(summary.tasks.map((task) => task.reward)).toEqual([1, 1, 1]);
    expect(run.stderr).toContain(`hud (${gateway.url})`);
    // Three sessions (one per rollout), each served, then deleted by the client and torn down.
    expect(logged(/'letter-count' ready/) - ready).toBe(3);
    await until('every session torn down', () => logged(/torn down/) - tornDown === 3);
    expect(await liveSessions()).toEqual([]);
    await until('no substrate process left', () => substrates().length === 0);
  }, 180_000);

  it('answers the exact requests of hud-python HUDRuntime (spec §6.2): create, tunnel raw bytes, delete', async () => {
    const tornDown = logged(/torn down/);
    const traceId = randomUUID(); // hud-python sends str(uuid4()), dashed
    const created = await call(gateway.url, key, 'POST', '/runtime/sessions', {
      environment: 'letter-count',
      trace_id: traceId,
    });
    expect(created.status).toBe(200);
    const id = (created.body as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    // websockets' connect(uri, additional_headers={"Authorization": "Bearer …"}); binary frames of raw bytes.
    const tunnel = new WebSocket(`${gateway.url.replace('http', 'ws')}/runtime/tunnels/${id}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    await new Promise((resolve, reject) => {
      tunnel.once('open', resolve);
      tunnel.once('error', reject);
    });
    let received = '';
    const hello = new Promise<Record<string, unknown>>((resolve) => {
      tunnel.on('message', (data: Buffer) => {
        received += data.toString('utf8');
        const line = received.split('\n')[0];
        if (received.includes('\n') && line) resolve(JSON.parse(line));
      });
    });
    // A request split across two frames, as TCP reads may split it.
    const request = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"hello","params":{}}\n');
    tunnel.send(request.subarray(0, 20));
    tunnel.send(request.subarray(20));
    const answer = await hello;
    expect(answer).toMatchObject({ id: 1, result: { env: { name: 'letter-count' } } });
    const closed = new Promise<number>((resolve) => tunnel.once('close', (code) => resolve(code)));
    const deleted = await call(gateway.url, key, 'DELETE', `/runtime/sessions/${id}`);
    expect(deleted.status).toBe(200);
    expect(await closed).toBe(1000);
    expect(await liveSessions()).toEqual([]);
    await until('the session torn down', () => logged(/torn down/) - tornDown === 1);
    await until('no substrate process left', () => substrates().length === 0);
  });

  it('a dropped tunnel WebSocket closes only its connection: the session serves on, then DELETE leaves no substrate', async () => {
    const tornDown = logged(/torn down/);
    const created = await call(gateway.url, key, 'POST', '/runtime/sessions', {
      environment: 'letter-count',
    });
    const id = (created.body as { id: string }).id;
    const open = async () => {
      const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/runtime/tunnels/${id}`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      return socket;
    };
    const hello = (socket: WebSocket, id: number) =>
      new Promise<Record<string, unknown>>((resolve) => {
        let text = '';
        const onMessage = (data: Buffer) => {
          text += data.toString('utf8');
          if (!text.includes('\n')) return;
          socket.off('message', onMessage);
          resolve(JSON.parse(text.split('\n')[0] ?? '{}'));
        };
        socket.on('message', onMessage);
        socket.send(Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"hello","params":{}}\n`));
      });
    const first = await open();
    const second = await open();
    expect(await hello(first, 1)).toMatchObject({
      id: 1,
      result: { env: { name: 'letter-count' } },
    });
    expect(await hello(second, 2)).toMatchObject({
      id: 2,
      result: { env: { name: 'letter-count' } },
    });
    first.terminate(); // dropped without a close frame
    const third = await open();
    expect(await hello(third, 3)).toMatchObject({
      id: 3,
      result: { env: { name: 'letter-count' } },
    });
    const view = await call(gateway.url, key, 'GET', `/runtime/sessions/${id}`);
    expect(view.body).toMatchObject({ status: 'ready' });
    expect(logged(/torn down/)).toBe(tornDown);
    expect(substrates().length).toBeGreaterThan(0);
    const closes = [second, third].map(
      (socket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code))),
    );
    await call(gateway.url, key, 'DELETE', `/runtime/sessions/${id}`);
    expect(await Promise.all(closes)).toEqual([1000, 1000]);
    await until('the session torn down', () => logged(/torn down/) - tornDown === 1);
    await until('no substrate process left', () => substrates().length === 0);
  });

  it("an environment the worker cannot serve fails the session with the worker's reason, and each hud eval rollout with it", async () => {
    const created = await call(gateway.url, key, 'POST', '/runtime/sessions', {
      environment: 'not-declared-here',
    });
    const id = (created.body as { id: string }).id;
    const tunnel = new WebSocket(`${gateway.url.replace('http', 'ws')}/runtime/tunnels/${id}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      tunnel.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/could not start environment 'not-declared-here'/);
    const view = await call(gateway.url, key, 'GET', `/runtime/sessions/${id}`);
    expect(view.body).toMatchObject({
      status: 'ended',
      error: expect.stringContaining('no env file in'),
    });
    expect((view.body as { error: string }).error).toContain(
      "declares environment 'not-declared-here'",
    );
    // hud eval of an environment this worker does not have: each rollout fails at once with the reason.
    const home = tempDir('home');
    const run = await hud(
      ['eval', WORD_STATS, 'oracle', '--all', '--runtime', 'hud', '--json', '--store', home],
      { home, vars: { HUD_API_URL: gateway.url, HUD_API_KEY: key }, timeoutMs: 150_000 },
    );
    expect(run.code, run.stderr).not.toBe(0);
    const summary = JSON.parse(run.stdout) as {
      runs: number;
      errors: number;
      failures: { error: string }[];
    };
    expect(summary.errors).toBe(summary.runs);
    expect(summary.failures[0]?.error).toMatch(
      /\[provisioning\].*could not start environment 'word-stats'.*no env file in/,
    );
    expect(await liveSessions()).toEqual([]);
  }, 180_000);

  it('a worker that stops (SIGTERM) tears its substrates down, and the gateway ends its sessions', async () => {
    const created = await call(gateway.url, key, 'POST', '/runtime/sessions', {
      environment: 'letter-count',
    });
    const id = (created.body as { id: string }).id;
    const status = async () =>
      (await call(gateway.url, key, 'GET', `/runtime/sessions/${id}`)).body as {
        status: string;
        error: string | null;
      };
    await until('the session ready', async () => (await status()).status === 'ready');
    expect(substrates().length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerLog).toContain(`session ${id}: 'letter-count' torn down`);
    expect(workerLog).toContain('hud worker: stopped');
    await until('the session ended', async () => (await status()).status === 'ended');
    expect((await status()).error).toMatch(
      /^worker [0-9a-f]{32} lost: its control connection closed$/,
    );
  });
});
