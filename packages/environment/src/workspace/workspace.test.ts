import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectSsh, type SshClient } from '@hud/protocol';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environment } from '../environment.js';
import { SFTP_SERVER_PATHS, type WorkspaceLaunch, type WorkspaceLauncher } from './launcher.js';
import { probeBwrap } from './sandbox.js';
import { Workspace } from './workspace.js';

const run = promisify(execFile);

let scratch: string;
/** Session variables for unisolated workspaces: an empty HOME, so the host's dotfiles stay out of tests. */
let hermetic: Record<string, string>;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'workspace-test-'));
  hermetic = { HOME: await mkdtemp(path.join(scratch, 'home-')) };
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function params(workspace: Workspace): Record<string, string> {
  return workspace.capability.params as Record<string, string>;
}

/** Command lines of running processes that contain `marker`. */
async function processesWith(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (cmdline.includes(marker)) found.push(cmdline);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('Workspace: SSH server', () => {
  let workspace: Workspace;
  let knownHosts: string;
  let port: string;
  beforeAll(async () => {
    workspace = new Workspace(path.join(scratch, 'plain'), { isolation: 'none', env: hermetic });
    await workspace.start();
    port = new URL(workspace.capability.url).port;
    knownHosts = path.join(scratch, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${params(workspace).host_pubkey}\n`);
  });
  afterAll(() => workspace.stop());
  /** OpenSSH's options for this workspace: its client key, and its host key checked strictly. */
  const openSshOptions = () => [
    '-i',
    params(workspace).client_key_path as string,
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
  ];

  it('publishes the ssh/2 binding with keys, user, shell, cwd and isolation', async () => {
    const capability = workspace.capability;
    expect(capability).toMatchObject({ name: 'shell', protocol: 'ssh/2' });
    expect(capability.url).toMatch(/^ssh:\/\/127\.0\.0\.1:\d+$/);
    const published = params(workspace);
    expect(published).toMatchObject({
      user: 'agent',
      shell: 'bash',
      cwd: workspace.root,
      isolation: 'none',
    });
    expect(published.host_pubkey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$/);
    expect(published.client_key).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(await readFile(published.client_key_path as string, 'utf8')).toBe(published.client_key);
    expect((await stat(published.client_key_path as string)).mode & 0o777).toBe(0o600);
    expect(path.dirname(published.client_key_path as string).startsWith(workspace.root)).toBe(
      false,
    );
  });

  it("serves Debian's OpenSSH client with strict host key checking", async () => {
    const { stdout } = await run('ssh', [
      ...openSshOptions(),
      '-o',
      'BatchMode=yes',
      '-p',
      port,
      'agent@127.0.0.1',
      'echo hi; pwd',
    ]);
    expect(stdout).toBe(`hi\n${workspace.root}\n`);
  });

  it("serves OpenSSH's sftp through the sftp subsystem", async () => {
    const local = path.join(scratch, 'upload.txt');
    await writeFile(local, 'uploaded\n');
    const batch = path.join(scratch, 'batch');
    await writeFile(batch, `put ${local} up.txt\nget up.txt ${local}.back\n`);
    await run('sftp', [...openSshOptions(), '-P', port, '-b', batch, 'agent@127.0.0.1']);
    expect(await readFile(path.join(workspace.root, 'up.txt'), 'utf8')).toBe('uploaded\n');
    expect(await readFile(`${local}.back`, 'utf8')).toBe('uploaded\n');
  });

  it('refuses password logins, other keys and other users', async () => {
    const attempt = (config: ssh2.ConnectConfig) =>
      new Promise<void>((resolve, reject) => {
        const connection = new ssh2.Client();
        connection.on('ready', () => {
          connection.end();
          resolve();
        });
        connection.on('error', reject);
        connection.connect({ host: '127.0.0.1', port: Number(port), username: 'agent', ...config });
      });
    const refused = /All configured authentication methods failed/;
    await expect(attempt({ password: 'agent' })).rejects.toThrow(refused);
    const foreign = ssh2.utils.generateKeyPairSync('ed25519').private;
    await expect(attempt({ privateKey: foreign })).rejects.toThrow(refused);
    const key = params(workspace).client_key as string;
    await expect(attempt({ privateKey: key, username: 'root' })).rejects.toThrow(refused);
    await expect(attempt({ privateKey: key })).resolves.toBeUndefined();
  });

  it('delivers output still queued when the command exits, and then its exit status', async () => {
    // A client that does not read until the command has exited: the SSH window runs out and the rest
    // stays queued in the server's channel, below the stream's 2 MiB high-water mark, so no 'drain' is
    // ever due. (Waiting for 'drain' before sending the exit status hung here, and in bench/shell.)
    const total = 4_000_000;
    const done = path.join(workspace.root, 'output.done');
    const result = await new Promise<{ bytes: number; code: number | undefined }>(
      (resolve, reject) => {
        const connection = new ssh2.Client();
        connection.on('error', reject);
        connection.on('ready', () => {
          connection.exec(`head -c ${total} /dev/zero; touch output.done`, (error, stream) => {
            if (error) return reject(error);
            let bytes = 0;
            let code: number | undefined;
            stream.on('exit', (status: number) => {
              code = status;
            });
            stream.on('close', () => {
              connection.end();
              resolve({ bytes, code });
            });
            stream.end();
            void eventually(async () => existsSync(done), 'the command to finish').then(() =>
              stream.on('data', (chunk: Buffer) => {
                bytes += chunk.length;
              }),
            );
          });
        });
        connection.connect({
          host: '127.0.0.1',
          port: Number(port),
          username: 'agent',
          privateKey: params(workspace).client_key as string,
        });
      },
    );
    expect(result).toEqual({ bytes: total, code: 0 });
  });

  it('refuses port forwarding', async () => {
    const forwarded = await new Promise<string>((resolve) => {
      const connection = new ssh2.Client();
      connection.on('error', () => resolve('connection failed'));
      connection.on('ready', () => {
        connection.forwardOut('127.0.0.1', 0, '127.0.0.1', Number(port), (error) => {
          connection.end();
          resolve(error ? 'refused' : 'opened');
        });
      });
      connection.connect({
        host: '127.0.0.1',
        port: Number(port),
        username: 'agent',
        privateKey: params(workspace).client_key as string,
      });
    });
    expect(forwarded).toBe('refused');
  });
});

describe('Workspace: lifecycle', () => {
  it('copies the seed into a fresh temp directory per start and removes it and the keys on stop', async () => {
    const seed = path.join(scratch, 'seed');
    await rm(seed, { recursive: true, force: true });
    await mkdir(path.join(seed, 'src'), { recursive: true });
    await writeFile(path.join(seed, 'src', 'a.txt'), 'seed\n');
    const fresh = new Workspace(undefined, { isolation: 'none', seed, env: hermetic });
    await fresh.start();
    const first = fresh.root;
    await writeFile(path.join(first, 'src', 'a.txt'), 'changed\n');
    const keyDir = path.dirname(params(fresh).client_key_path as string);
    await fresh.stop();
    expect(existsSync(first)).toBe(false);
    expect(existsSync(keyDir)).toBe(false);
    await fresh.start();
    expect(fresh.root).not.toBe(first);
    expect(await readFile(path.join(fresh.root, 'src', 'a.txt'), 'utf8')).toBe('seed\n');
    await fresh.stop();
  });

  it('env.workspace() publishes the capability from an initialize hook and stops on shutdown', async () => {
    const env = new Environment({ name: 'ws' });
    const workspace = env.workspace(path.join(scratch, 'env-dir'), {
      name: 'box',
      isolation: 'none',
      env: hermetic,
    });
    expect(env.capabilities).toEqual([]);
    await env.start();
    expect(env.capability('box')).toBe(workspace.capability);
    const keyPath = params(workspace).client_key_path as string;
    await env.stop();
    expect(existsSync(keyPath)).toBe(false);
    expect(existsSync(path.join(scratch, 'env-dir'))).toBe(true);
  });

  it('stops while clients stay connected, dropping them and their running commands', async () => {
    const workspace = new Workspace(undefined, { isolation: 'none', env: hermetic });
    await workspace.start();
    const { port } = new URL(workspace.capability.url);
    // A peer that connects and never says or closes anything, and a client with a command running.
    const silent = net.connect(Number(port), '127.0.0.1');
    const silentClosed = new Promise((resolve) => silent.once('close', resolve));
    silent.on('error', () => {});
    silent.resume();
    const shell = await connectSsh(workspace.capability);
    const marker = `stop-while-running-${process.pid}`;
    const running = shell.exec(`sleep 300; : ${marker}`);
    await eventually(async () => (await processesWith(marker)).length > 0, 'the command to start');
    await workspace.stop();
    await silentClosed;
    await expect(running).resolves.toMatchObject({ timedOut: false });
    await eventually(async () => (await processesWith(marker)).length === 0, 'the command to end');
    await shell.close();
  });

  it('fails loudly when isolation is required and bubblewrap is unavailable', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(scratch, 'no-such-bin');
    try {
      const workspace = new Workspace(undefined, { requireIsolation: true });
      await expect(workspace.start()).rejects.toMatchObject({
        code: 'unsupported',
        message: expect.stringMatching(/requires isolation, but bwrap is not installed/),
      });
      await workspace.stop();
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe('Workspace: executor', () => {
  let workspace: Workspace;
  beforeAll(async () => {
    workspace = new Workspace(path.join(scratch, 'exec'), {
      isolation: 'none',
      env: { ...hermetic, ADDED: 'a' },
    });
    await workspace.start();
  });
  afterAll(() => workspace.stop());

  it('runs scripts and argv in the workspace with the workspace env, HUD_* stripped', async () => {
    process.env.HUD_EXECUTOR_SECRET = 'leak';
    try {
      const executor = workspace.executor();
      const script = await executor.run(
        'pwd; echo "[$ADDED][$HUD_EXECUTOR_SECRET][$EXTRA]"; exit 4',
        {
          timeoutMs: 30_000,
          env: { EXTRA: 'e' },
        },
      );
      expect(script).toEqual({
        exitCode: 4,
        stdout: `${workspace.root}\n[a][][e]\n`,
        stderr: '',
        timedOut: false,
      });
      const argv = await executor.run(['printf', '%s|', 'a b', "c'd"], { timeoutMs: 30_000 });
      expect(argv.stdout).toBe("a b|c'd|");
    } finally {
      delete process.env.HUD_EXECUTOR_SECRET;
    }
  });

  it('times out with the tree killed, and names a missing directory', async () => {
    const marker = `executor-timeout-${process.pid}`;
    const result = await workspace.exec(
      `(exec -a ${marker}-child sleep 300) & sleep 301; : ${marker}`,
      {
        timeoutMs: 300,
      },
    );
    expect(result).toMatchObject({ exitCode: null, timedOut: true });
    await eventually(async () => (await processesWith(marker)).length === 0, 'the tree to end');
    await expect(workspace.exec('true', { cwd: 'missing' })).rejects.toThrow(
      `working directory does not exist: ${workspace.root}/missing`,
    );
  });

  it('reads and writes files for the environment', async () => {
    await workspace.writeText('deep/er/file.txt', 'text\n');
    expect(await workspace.readText('deep/er/file.txt')).toBe('text\n');
    await expect(workspace.readText('nope.txt')).rejects.toThrow(/cannot read nope.txt/);
  });

  it('caps output on a UTF-8 character boundary, in the executor and over SSH', async () => {
    const script = "printf 'éé'; printf 'xyz' >&2";
    const local = await workspace
      .executor({ maxOutputBytes: 3 })
      .run(script, { timeoutMs: 30_000 });
    expect(local).toMatchObject({ stdout: 'é\n…[truncated 2 bytes]', stderr: 'xyz' });
    const shell = await connectSsh(workspace.capability);
    try {
      const remote = await shell.exec(script, { maxOutputBytes: 3 });
      expect(remote).toMatchObject({ stdout: 'é\n…[truncated 2 bytes]', stderr: 'xyz' });
    } finally {
      await shell.close();
    }
  });
});

const bwrap = await probeBwrap(false);
if (!bwrap.ok) console.warn(`skipping the bubblewrap tests: ${bwrap.reason}`);

describe.skipIf(!bwrap.ok)('Workspace: bubblewrap isolation', () => {
  let workspace: Workspace;
  let shell: SshClient;
  let listener: net.Server;
  let listenerPort: number;
  beforeAll(async () => {
    workspace = new Workspace(path.join(scratch, 'boxed'), { requireIsolation: true });
    await workspace.start();
    shell = await connectSsh(workspace.capability);
    listener = net.createServer((socket) => socket.end('reachable\n'));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await shell?.close();
    await workspace?.stop();
    await new Promise((resolve) => listener?.close(resolve));
  });

  it('shows the workspace at /workspace', async () => {
    expect(workspace.isolation).toBe('bwrap');
    expect(params(workspace)).toMatchObject({ cwd: '/workspace', isolation: 'bwrap' });
    await writeFile(path.join(workspace.root, 'from-host.txt'), 'host\n');
    const result = await shell.exec('pwd; cat from-host.txt; echo guest > from-guest.txt');
    expect(result.stdout).toBe('/workspace\nhost\n');
    expect(await readFile(path.join(workspace.root, 'from-guest.txt'), 'utf8')).toBe('guest\n');
  });

  it('has no network', async () => {
    const connect = `exec 3<>/dev/tcp/127.0.0.1/${listenerPort} && cat <&3`;
    const inside = await shell.exec(connect);
    expect(inside.exitCode).not.toBe(0);
    expect(inside.stderr).toMatch(/Connection refused|Network is unreachable/);
    // The same command outside the sandbox reaches the listener, so the refusal is the sandbox's.
    const outside = await run('bash', ['-c', connect]);
    expect(outside.stdout).toBe('reachable\n');
  });

  it('keeps system directories read-only and the host /tmp out of reach', async () => {
    const marker = path.join(tmpdir(), `outside-${process.pid}`);
    const result = await shell.exec(
      `touch /usr/x 2>&1; touch /etc/x 2>&1; touch ${marker} && echo tmp-ok`,
    );
    expect(result.stdout).toMatch(/touch: cannot touch '\/usr\/x': Read-only file system/);
    // /etc is a directory of single read-only mounts (a minimal /etc): no new files in it either.
    expect(result.stdout).toMatch(
      /touch: cannot touch '\/etc\/x': (Read-only file system|Permission denied)/,
    );
    // /tmp is a private tmpfs: writable inside, nothing lands on the host.
    expect(result.stdout).toMatch(/tmp-ok/);
    expect(existsSync(marker)).toBe(false);
  });

  it('ends the sandboxed process tree when a command times out', async () => {
    const marker = `bwrap-timeout-${process.pid}`;
    const result = await shell.exec(
      `(exec -a ${marker}-child sleep 300) & sleep 301; : ${marker}`,
      {
        timeoutMs: 500,
      },
    );
    expect(result.timedOut).toBe(true);
    await eventually(async () => (await processesWith(marker)).length === 0, 'the tree to end');
  });

  it('gives sessions the network with network: true', async () => {
    const open = new Workspace(path.join(scratch, 'open'), { network: true });
    await open.start();
    try {
      const result = await open.exec(`exec 3<>/dev/tcp/127.0.0.1/${listenerPort} && cat <&3`);
      expect(result.stdout).toBe('reachable\n');
    } finally {
      await open.stop();
    }
  });
});

/** Connects with ssh2 and lists `.` over sftp: resolves with the names, or rejects with the failure. */
function sftpList(workspace: Workspace): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const connection = new ssh2.Client();
    connection.on('error', reject);
    connection.on('ready', () => {
      connection.sftp((error, sftp) => {
        if (error) {
          connection.end();
          reject(error);
          return;
        }
        sftp.readdir('.', (listError, entries) => {
          connection.end();
          if (listError) reject(listError);
          else resolve(entries.map((entry) => entry.filename).sort());
        });
      });
    });
    connection.connect({
      host: '127.0.0.1',
      port: Number(new URL(workspace.capability.url).port),
      username: 'agent',
      privateKey: params(workspace).client_key as string,
    });
  });
}

describe('Workspace: launcher', () => {
  const marker = `LAUNCHER_HOST_MARKER_${process.pid}`;
  const launches: WorkspaceLaunch[] = [];
  /** Runs the target on this host, but with nothing of this process's environment: `env -i`. */
  const cleanEnv: WorkspaceLauncher = (launch) => {
    launches.push(launch);
    const variables = Object.entries(launch.env).map(([key, value]) => `${key}=${value}`);
    return { file: 'env', args: ['-i', '-C', launch.cwd, ...variables, ...launch.argv] };
  };
  let guest: string;
  let workspace: Workspace;
  let shell: SshClient;
  beforeAll(async () => {
    process.env[marker] = 'leak';
    guest = path.join(scratch, 'launched-guest');
    await mkdir(guest, { recursive: true });
    workspace = new Workspace(path.join(scratch, 'launched-host'), {
      launcher: cleanEnv,
      guestPath: guest,
      env: { PATH: '/usr/bin:/bin', FOO: 'bar' },
    });
    await workspace.start();
    shell = await connectSsh(workspace.capability);
  });
  afterAll(async () => {
    delete process.env[marker];
    await shell?.close();
    await workspace?.stop();
  });

  it('runs sessions in guestPath with only the requested variables', async () => {
    expect(workspace.cwd).toBe(guest);
    expect(params(workspace)).toMatchObject({ cwd: guest, isolation: 'none' });
    launches.length = 0;
    const result = await shell.exec(
      `pwd; echo "[$FOO][\${${marker}-unset}][\${HOME-unset}]"; exit 3`,
    );
    expect(result).toMatchObject({ exitCode: 3, stdout: `${guest}\n[bar][unset][unset]\n` });
    expect(launches).toEqual([
      {
        argv: ['bash', '-lc', expect.stringContaining('pwd;')],
        cwd: guest,
        env: { PATH: '/usr/bin:/bin', FOO: 'bar' },
        pty: false,
      },
    ]);
  });

  it('gives a pseudo-terminal from inside the target, with TERM passed on', async () => {
    launches.length = 0;
    const result = await shell.exec('tty; echo "$TERM"', { pty: true });
    // Under a terminal stderr joins stdout: with HOME unset, this host's login dotfiles may complain first.
    expect(result.stdout.replaceAll('\r\n', '\n')).toMatch(
      /(^|\n)\/dev\/pts\/\d+\nxterm-256color\n$/,
    );
    expect(launches[0]).toMatchObject({
      argv: ['script', '-qefc', expect.any(String), '/dev/null'],
      env: { TERM: 'xterm-256color' },
      pty: true,
    });
  });

  it('reads and writes files through the launcher, over SSH and with the executor', async () => {
    await shell.writeText('note.txt', 'hello\n');
    expect(await readFile(path.join(guest, 'note.txt'), 'utf8')).toBe('hello\n');
    expect(await shell.readText('note.txt')).toBe('hello\n');
    await workspace.writeText('deep/file.txt', 'deep\n');
    expect(await workspace.readText('deep/file.txt')).toBe('deep\n');
    expect(existsSync(path.join(workspace.root, 'deep'))).toBe(false);
    const result = await workspace
      .executor()
      .run(`pwd; echo "[$FOO][$EXTRA][\${${marker}-unset}]"`, {
        timeoutMs: 30_000,
        env: { EXTRA: 'e' },
      });
    expect(result).toMatchObject({ exitCode: 0, stdout: `${guest}\n[bar][e][unset]\n` });
  });

  it('serves sftp through the launcher', async () => {
    expect(await sftpList(workspace)).toEqual(expect.arrayContaining(['deep', 'note.txt']));
  });

  it('ends the spawned process tree when a command times out', async () => {
    const name = `launcher-timeout-${process.pid}`;
    const result = await shell.exec(`sleep 300; : ${name}`, { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    await eventually(async () => (await processesWith(name)).length === 0, 'the tree to end');
  });

  it('fails the channel, not the server, when the launcher throws', async () => {
    const failing = new Workspace(undefined, {
      guestPath: guest,
      launcher: () => {
        throw new Error('no container');
      },
    });
    await failing.start();
    try {
      const client = await connectSsh(failing.capability);
      const result = await client.exec('true');
      expect(result).toMatchObject({
        exitCode: 127,
        stderr: expect.stringMatching(/no container/),
      });
      expect((await client.exec('true')).exitCode).toBe(127);
      await client.close();
      await expect(failing.exec('true')).rejects.toThrow('no container');
    } finally {
      await failing.stop();
    }
  });

  it('refuses bubblewrap settings, and a missing guestPath', async () => {
    for (const options of [
      { requireIsolation: true, guestPath: '/app' },
      { isolation: 'bwrap' as const, guestPath: '/app' },
      { mounts: [{ kind: 'tmpfs' as const, dst: '/x' }], guestPath: '/app' },
    ]) {
      const refused = new Workspace(undefined, { launcher: cleanEnv, ...options });
      await expect(refused.start()).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringMatching(/cannot apply with a launcher/),
      });
    }
    const unnamed = new Workspace(undefined, { launcher: cleanEnv });
    await expect(unnamed.start()).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/a launcher needs guestPath/),
    });
  });
});

/** Why Docker cannot be used here, or undefined when `docker info` answers. */
function dockerUnavailable(): string | undefined {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 30_000 });
    return undefined;
  } catch (error) {
    return `docker info failed: ${(error as Error).message}`;
  }
}

const noDocker = dockerUnavailable();
if (noDocker !== undefined) console.warn(`skipping the Docker launcher tests: ${noDocker}`);

describe.skipIf(noDocker !== undefined)('Workspace: launcher into a Docker container', () => {
  const image = 'hud-test/bookworm-node:24';
  let container: string;
  let workspace: Workspace;
  let shell: SshClient;
  let hostMarker: string;
  beforeAll(async () => {
    container = execFileSync(
      'docker',
      [
        'run',
        '-d',
        '--rm',
        '-w',
        '/app',
        '--label',
        'hud-test=workspace',
        image,
        'sleep',
        'infinity',
      ],
      { encoding: 'utf8' },
    ).trim();
    const docker: WorkspaceLauncher = ({ argv, cwd, env }) => ({
      file: 'docker',
      args: [
        'exec',
        '-i',
        '-w',
        cwd,
        ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
        container,
        ...argv,
      ],
    });
    workspace = new Workspace(undefined, {
      launcher: docker,
      guestPath: '/app',
      env: { FOO: 'bar' },
    });
    await workspace.start();
    hostMarker = path.join(workspace.root, 'host-only.txt');
    await writeFile(hostMarker, 'host\n');
    shell = await connectSsh(workspace.capability);
  }, 120_000);
  afterAll(async () => {
    await shell?.close();
    await workspace?.stop();
    if (container !== undefined)
      execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
  });

  it("runs commands in the container's workdir and system", async () => {
    const result = await shell.exec('pwd; echo "[$FOO]"; cat /etc/os-release');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\/app\n\[bar\]\n/);
    expect(result.stdout).toMatch(/VERSION_CODENAME=bookworm/);
    expect((await shell.exec('exit 5')).exitCode).toBe(5);
    const executed = await workspace.exec(['cat', '/etc/os-release']);
    expect(executed.stdout).toMatch(/VERSION_CODENAME=bookworm/);
  });

  it('writes and reads files in the container, where the host files are not', async () => {
    await shell.writeText('/app/in-container.txt', 'guest\n');
    expect(await shell.readText('in-container.txt')).toBe('guest\n');
    const listing = execFileSync('docker', ['exec', container, 'cat', '/app/in-container.txt'], {
      encoding: 'utf8',
    });
    expect(listing).toBe('guest\n');
    expect(existsSync(path.join(workspace.root, 'in-container.txt'))).toBe(false);
    const probe = await shell.exec(`test -e ${hostMarker} && echo visible || echo hidden`);
    expect(probe.stdout).toBe('hidden\n');
  });

  it("gives a pseudo-terminal through the container's script", async () => {
    const result = await shell.exec('tty; echo "$TERM"', { pty: true });
    expect(result.stdout.replaceAll('\r\n', '\n')).toMatch(/^\/dev\/pts\/\d+\nxterm-256color\n$/);
  });

  it('fails the sftp channel cleanly when the container has no sftp-server', async () => {
    const sftpServers = await shell.exec(`ls ${SFTP_SERVER_PATHS.join(' ')}`);
    expect(sftpServers.stderr.match(/No such file or directory/g)).toHaveLength(3);
    await expect(sftpList(workspace)).rejects.toThrow(/exit code 127 while establishing SFTP/);
    expect((await shell.exec('echo still-serving')).stdout).toBe('still-serving\n');
  });
});
