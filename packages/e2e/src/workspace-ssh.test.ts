import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ControlServer, Environment, serve, type Workspace } from '@hud/environment';
import { connectSsh, HudClient, type SshClient } from '@hud/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Our SshClient against our workspace through the control channel's tunnel (HudClient.open('shell')):
// real SSH server, real bash, real processes. Isolation 'none' so pids in pid files are host pids; the
// sandbox has its own tests in @hud/environment.

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Whether `pid` is a running (not zombie) process. */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A fresh ed25519 public key in OpenSSH form (`ssh-ed25519 AAAA…`). */
function otherHostKey(): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw.subarray(-32))]);
  return `ssh-ed25519 ${blob.toString('base64')}`;
}

let workspace: Workspace;
/** An empty HOME for the unisolated sessions, so the host's dotfiles stay out of the test. */
let home: string;
let server: ControlServer;
let client: HudClient;
let shell: SshClient;

beforeAll(async () => {
  process.env.HUD_WORKSPACE_TEST_SECRET = 'leak';
  home = await mkdtemp(path.join(tmpdir(), 'workspace-e2e-home-'));
  const env = new Environment({ name: 'workspace-e2e' });
  workspace = env.workspace({ isolation: 'none', env: { HOME: home } });
  server = await serve(env);
  client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
  shell = await client.open<SshClient>('shell');
});

afterAll(async () => {
  delete process.env.HUD_WORKSPACE_TEST_SECRET;
  await client?.close();
  await server?.close();
  await rm(home, { recursive: true, force: true });
});

describe('SshClient through the tunnel', () => {
  it('connects to the forwarded URL, not the published one', () => {
    const published = workspace.capability.url;
    expect(shell.binding.url).toMatch(/^ssh:\/\/127\.0\.0\.1:\d+$/);
    expect(shell.binding.url).not.toBe(published);
    expect(shell.cwd).toBe(workspace.root);
  });

  it('returns stdout, stderr and the exit code, starting in the workspace', async () => {
    const result = await shell.exec('echo out; echo err >&2; pwd; exit 7');
    expect(result).toEqual({
      stdout: `out\n${workspace.root}\n`,
      stderr: 'err\n',
      exitCode: 7,
      timedOut: false,
    });
    expect((await shell.exec('true')).exitCode).toBe(0);
  });

  it('gives each command a fresh login shell', async () => {
    await shell.exec('cd /; export KEPT=1');
    const result = await shell.exec('echo "[$KEPT]"; pwd; shopt -q login_shell && echo login');
    expect(result.stdout).toBe(`[]\n${workspace.root}\nlogin\n`);
  });

  it('allocates a pseudo-terminal only when asked', async () => {
    const plain = await shell.exec('tty');
    expect(plain.stdout).toBe('not a tty\n');
    expect(plain.exitCode).toBe(1);
    const withPty = await shell.exec('tty; echo "$TERM"; stty size', {
      pty: { term: 'vt100', cols: 123, rows: 45 },
    });
    expect(withPty.stdout).toMatch(/^\/dev\/pts\/\d+\r\nvt100\r\n45 123\r\n$/);
    expect(withPty.exitCode).toBe(0);
  });

  it('strips HUD_* variables from the session environment', async () => {
    expect(process.env.HUD_WORKSPACE_TEST_SECRET).toBe('leak');
    const result = await shell.exec('env | grep "^HUD_" || echo none');
    expect(result.stdout).toBe('none\n');
  });

  it('applies cwd, env and stdin options', async () => {
    await shell.exec('mkdir -p sub');
    const result = await shell.exec('pwd; echo "$GREETING"; cat', {
      cwd: 'sub',
      env: { GREETING: "it's here" },
      input: 'from stdin',
    });
    expect(result.stdout).toBe(`${workspace.root}/sub\nit's here\nfrom stdin`);
  });

  it('reads, writes and lists files', async () => {
    await shell.writeText('a.txt', 'hello\nwörld\n');
    expect(await shell.readText('a.txt')).toBe('hello\nwörld\n');
    await shell.writeText('empty.txt', '');
    expect(await shell.readText('empty.txt')).toBe('');
    expect(await shell.listdir('.')).toEqual(expect.arrayContaining(['a.txt', 'empty.txt', 'sub']));
    await expect(shell.readText('missing.txt')).rejects.toMatchObject({
      code: 'command_failed',
      exitCode: 1,
    });
  });

  it('kills the remote process tree on timeout', async () => {
    const pidFile = `${workspace.root}/timeout.pid`;
    const result = await shell.exec(
      `sleep 300 & echo $! > timeout.child; echo $$ > timeout.pid; echo started; wait`,
      { timeoutMs: 1_000 },
    );
    expect(result).toMatchObject({ exitCode: null, timedOut: true, stdout: 'started\n' });
    const shellPid = Number(await readFile(pidFile, 'utf8'));
    const childPid = Number(await readFile(`${workspace.root}/timeout.child`, 'utf8'));
    await waitFor(async () => ((await alive(shellPid)) ? undefined : true), 'the shell to end');
    await waitFor(async () => ((await alive(childPid)) ? undefined : true), 'its child to end');
  });

  it('kills the remote process when the signal aborts', async () => {
    const controller = new AbortController();
    const running = shell.exec('echo $$ > abort.pid; sleep 300', { signal: controller.signal });
    const pid = await waitFor(async () => {
      const text = existsSync(`${workspace.root}/abort.pid`)
        ? await readFile(`${workspace.root}/abort.pid`, 'utf8')
        : '';
      return text.endsWith('\n') ? Number(text) : undefined;
    }, 'the pid file');
    controller.abort(new Error('cancelled by test'));
    await expect(running).rejects.toThrow('cancelled by test');
    await waitFor(async () => ((await alive(pid)) ? undefined : true), 'the command to end');
  });

  it('refuses a server whose host key is not the published one', async () => {
    const binding = client.binding('shell');
    const other = otherHostKey();
    await expect(
      connectSsh({ ...binding, params: { ...binding.params, host_pubkey: other } }),
    ).rejects.toThrow(/host key mismatch/);
  });
});
