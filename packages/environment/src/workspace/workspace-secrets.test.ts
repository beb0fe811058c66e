import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectSsh, type SshClient } from '@hud/protocol';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeBwrap } from './sandbox.js';
import { Workspace } from './workspace.js';

// What an agent's shell can reach of the host's secrets: the serving process's variables (provider keys),
// other processes' /proc/<pid>/environ, /etc/shadow, /root, the Docker socket and the workspace's own key
// files. Real sessions over SSH, real bubblewrap when it works here, real uid changes when run as root.

/** Secrets this process "serves with"; none may reach a session. */
const PLANTED = {
  HUD_TEST_SECRET_XYZ: 'planted-value-123',
  ANTHROPIC_API_KEY: 'sk-planted-anthropic-456',
  OPENAI_API_KEY: 'sk-planted-openai-789',
} as const;
const PLANTED_VALUES = Object.values(PLANTED);

const isRoot = process.getuid?.() === 0;
const bwrap = await probeBwrap(false);

let scratch: string;
/** A stand-in for the serving process: started with the planted variables in its environment. */
let holder: ChildProcess;
beforeAll(async () => {
  Object.assign(process.env, PLANTED);
  scratch = await mkdtemp(path.join(tmpdir(), 'workspace-secrets-'));
  holder = spawn('sleep', ['600'], { env: { ...process.env }, stdio: 'ignore' });
});
afterAll(async () => {
  for (const name of Object.keys(PLANTED)) delete process.env[name];
  holder?.kill('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

/** Which planted values occur in `text`. */
function leaked(text: string): string[] {
  return PLANTED_VALUES.filter((value) => text.includes(value));
}

/** Every /proc/<pid>/environ the session can read, NULs as newlines. */
const READ_ENVIRONS =
  'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>/dev/null; done; echo end-of-environs';

/** A started workspace with an SSH client, both closed after the suite. */
function sessions(options: ConstructorParameters<typeof Workspace>[1] & object): {
  workspace: () => Workspace;
  shell: () => SshClient;
} {
  let workspace: Workspace;
  let shell: SshClient;
  beforeAll(async () => {
    const seed = path.join(scratch, `seed-${Math.random().toString(36).slice(2)}`);
    await mkdir(path.join(seed, 'src'), { recursive: true });
    await writeFile(path.join(seed, 'src', 'code.js'), 'export const answer = 41;\n');
    workspace = new Workspace(undefined, { seed, ...options });
    await workspace.start();
    shell = await connectSsh(workspace.capability);
  });
  afterAll(async () => {
    await shell?.close();
    await workspace?.stop();
  });
  return { workspace: () => workspace, shell: () => shell };
}

/** The checks every isolated mode passes: no planted variable in `env`, a session's or a command's. */
function environmentChecks(get: ReturnType<typeof sessions>): void {
  it('starts sessions from an allow-listed environment: no provider key, no HUD_* variable', async () => {
    const result = await get.shell().exec('env');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^PATH=/m);
    expect(leaked(result.stdout)).toEqual([]);
    const names = result.stdout
      .split('\n')
      .map((line) => line.split('=')[0])
      .filter((name) => name);
    expect(names.filter((name) => /KEY|SECRET|TOKEN|^HUD_/.test(name ?? ''))).toEqual([]);
  });

  it('gives workspace commands (graders) the same clean environment', async () => {
    const result = await get.workspace().exec('env');
    expect(result.exitCode).toBe(0);
    expect(leaked(result.stdout)).toEqual([]);
  });

  it('shows no planted value in any /proc/<pid>/environ the session can read', async () => {
    expect(existsPid(holder.pid)).toBe(true);
    const result = await get.shell().exec(READ_ENVIRONS);
    expect(result.stdout).toMatch(/end-of-environs\n$/);
    expect(leaked(result.stdout)).toEqual([]);
    // Under a pseudo-terminal too (the `script` wrapper is one more process).
    const tty = await get.shell().exec(READ_ENVIRONS, { pty: true });
    expect(leaked(tty.stdout)).toEqual([]);
  });

  it('cannot read the workspace server key files', async () => {
    const keyDir = path.dirname(get.workspace().capability.params?.client_key_path as string);
    const result = await get
      .shell()
      .exec(`cat ${keyDir}/host_ed25519 ${keyDir}/client_ed25519 && echo readable`);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toMatch(/PRIVATE KEY|readable/);
  });

  it('cannot read /etc/shadow, /root or use the Docker socket', async () => {
    const result = await get
      .shell()
      .exec(
        [
          'cat /etc/shadow >/dev/null 2>&1 && echo shadow-readable',
          'ls /root >/dev/null 2>&1 && echo root-listable',
          'for s in /var/run/docker.sock /run/docker.sock; do [ -w "$s" ] && echo "$s-writable"; done',
          'echo done',
        ].join('; '),
      );
    expect(result.stdout).toBe('done\n');
  });

  it('still lets the agent edit the seeded files, use sftp, node and git', async () => {
    const shell = get.shell();
    const edit = await shell.exec(
      "sed -i 's/41/42/' src/code.js && node -e \"import('./src/code.js').then((m) => console.log(m.answer))\"",
    );
    expect(edit).toMatchObject({ exitCode: 0, stdout: '42\n' });
    await shell.writeText('src/new.txt', 'hello\n');
    expect(await shell.readText('src/new.txt')).toBe('hello\n');
    expect(await sftpRoundTrip(get.workspace(), 'src/sftp.txt', 'over sftp\n')).toBe('over sftp\n');
    const git = await shell.exec(
      'git init -q . && git add -A && git -c user.name=a -c user.email=a@example.com commit -qm one && git log --format=%s',
    );
    expect(git, git.stderr).toMatchObject({ exitCode: 0, stdout: 'one\n' });
  });
}

/** Writes `text` to `file` over SFTP and reads it back. */
function sftpRoundTrip(workspace: Workspace, file: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = new ssh2.Client();
    connection.on('error', reject);
    connection.on('ready', () => {
      connection.sftp((error, sftp) => {
        if (error) return reject(error);
        sftp.writeFile(file, text, (writeError) => {
          if (writeError) return reject(writeError);
          sftp.readFile(file, (readError, data) => {
            connection.end();
            if (readError) reject(readError);
            else resolve(data.toString('utf8'));
          });
        });
      });
    });
    connection.connect({
      host: '127.0.0.1',
      port: Number(new URL(workspace.capability.url).port),
      username: 'agent',
      privateKey: workspace.capability.params?.client_key as string,
    });
  });
}

function existsPid(pid: number | undefined): boolean {
  try {
    process.kill(pid ?? -1, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!bwrap.ok)('Workspace secrets: bubblewrap sandbox', () => {
  const get = sessions({ requireIsolation: true });
  environmentChecks(get);

  it('mounts a minimal /etc: no shadow, sudoers or /etc/environment, a passwd naming the agent', async () => {
    const result = await get.shell().exec('ls -A /etc; echo; id -un; getent passwd "$(id -u)"');
    const [listing = '', rest = ''] = result.stdout.split('\n\n');
    const entries = listing.split('\n');
    for (const secret of ['shadow', 'gshadow', 'sudoers', 'environment', 'ssh', 'machine-id']) {
      expect(entries).not.toContain(secret);
    }
    expect(entries).toEqual(expect.arrayContaining(['passwd', 'group', 'hosts', 'profile']));
    expect(rest).toMatch(/^agent\nagent:x:\d+:\d+:[^:]*:\/workspace:\/bin\/bash\n$/);
  });

  it('hides /root, /home, /var, /run and the host /tmp', async () => {
    const result = await get
      .shell()
      .exec(
        'for d in /root /home /var /run /var/run/docker.sock; do [ -e "$d" ] && echo "$d"; done; :',
      );
    expect(result.stdout).toBe('');
  });

  it('reaches extra mounts below directories the sandbox creates, and writes /tmp', async () => {
    const tools = path.join(scratch, 'tools');
    await mkdir(tools, { recursive: true, mode: 0o755 });
    await writeFile(path.join(tools, 'hello'), '#!/bin/sh\necho tool-ok\n', { mode: 0o755 });
    const boxed = new Workspace(undefined, {
      requireIsolation: true,
      mounts: [{ kind: 'ro', src: tools, dst: '/opt/vendor/tools' }],
    });
    await boxed.start();
    try {
      const result = await boxed.exec('/opt/vendor/tools/hello && touch /tmp/x && echo tmp-ok');
      expect(result).toMatchObject({ exitCode: 0, stdout: 'tool-ok\ntmp-ok\n' });
    } finally {
      await boxed.stop();
    }
  });

  it.skipIf(!isRoot)('runs sessions as an unprivileged uid, owning the workspace', async () => {
    const result = await get.shell().exec('id -u; id -G; touch made.txt; stat -c %u src/code.js');
    const [uid, groups, owner] = result.stdout.trim().split('\n');
    expect(uid).toBe('65534');
    expect(groups).toBe('65534');
    expect(owner).toBe('65534');
    expect((await stat(path.join(get.workspace().root, 'made.txt'))).uid).toBe(65534);
  });
});

describe.skipIf(!isRoot)('Workspace secrets: unisolated, serving as root, shellUid 65534', () => {
  const get = sessions({ isolation: 'none', shellUid: 65534 });
  environmentChecks(get);

  it("runs sessions as uid 65534, which cannot read the serving process's environment", async () => {
    const result = await get
      .shell()
      .exec(`id -u; cat /proc/${holder.pid}/environ >/dev/null 2>&1 && echo readable; :`);
    expect(result.stdout).toBe('65534\n');
  });

  it('keeps root by default (the documented limitation), still with an allow-listed environment', async () => {
    const rooted = new Workspace(undefined, { isolation: 'none' });
    await rooted.start();
    try {
      const result = await rooted.exec('id -u; env');
      expect(result.stdout).toMatch(/^0\n/);
      expect(leaked(result.stdout)).toEqual([]);
    } finally {
      await rooted.stop();
    }
  });
});

describe('Workspace secrets: options', () => {
  it('refuses shellUid with a launcher, whose target decides who runs', async () => {
    const workspace = new Workspace(undefined, {
      launcher: () => ({ file: 'true', args: [] }),
      guestPath: '/app',
      shellUid: 1000,
    });
    await expect(workspace.start()).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/shellUid.*cannot apply with a launcher/),
    });
  });

  it.skipIf(!isRoot)('refuses an unisolated workspace its shellUid cannot reach', async () => {
    const closed = path.join(scratch, 'closed');
    await mkdir(path.join(closed, 'inner'), { recursive: true, mode: 0o700 });
    const workspace = new Workspace(path.join(closed, 'inner'), {
      isolation: 'none',
      shellUid: 65534,
    });
    await expect(workspace.start()).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(
        /run as uid 65534 .*cannot reach \S+inner: \S+ \(mode 700, owner 0\) is closed/,
      ),
    });
  });

  it('refuses a shellUid that is not a uid', async () => {
    const workspace = new Workspace(undefined, { isolation: 'none', shellUid: -1 });
    await expect(workspace.start()).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/shellUid must be an integer/),
    });
  });

  it('passes a launcher only the workspace variables, never this process', async () => {
    let seen: Readonly<Record<string, string>> | undefined;
    const workspace = new Workspace(undefined, {
      launcher: (launch) => {
        seen = launch.env;
        return { file: 'true', args: [] };
      },
      guestPath: '/app',
      env: { FOO: 'bar' },
    });
    await workspace.start();
    try {
      await workspace.exec('true');
      expect(seen).toEqual({ FOO: 'bar' });
    } finally {
      await workspace.stop();
    }
  });
});
