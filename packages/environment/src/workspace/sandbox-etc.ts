import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HudError } from '@hud/protocol';

/**
 * What of the host's `/etc` a sandbox shows: what shells, the dynamic linker, name resolution, TLS, git,
 * editors, Python, Perl and Java read — never credentials (`shadow`, `gshadow`, `sudoers`, `ssh/`,
 * `ssl/private/`), nor files people put keys in (`environment`, `npmrc`, `pip.conf`, `netrc`), nor the
 * machine's identity (`machine-id`). `passwd` and `group` are generated instead (see {@link writeSandboxEtc}).
 * Paths are relative to `/etc`; missing ones are skipped.
 */
export const SANDBOX_ETC_ENTRIES = [
  'alternatives',
  'bash.bashrc',
  'bash_completion',
  'bash_completion.d',
  'ca-certificates',
  'ca-certificates.conf',
  'debian_version',
  'fonts',
  'gai.conf',
  'gitattributes',
  'gitconfig',
  'host.conf',
  'hostname',
  'hosts',
  'inputrc',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'locale.alias',
  'locale.conf',
  'localtime',
  'lsb-release',
  'magic',
  'magic.mime',
  'manpath.config',
  'mime.types',
  'nanorc',
  'networks',
  'nsswitch.conf',
  'os-release',
  'perl',
  'pki/ca-trust/extracted',
  'pki/tls/cert.pem',
  'pki/tls/certs',
  'pki/tls/openssl.cnf',
  'profile',
  'profile.d',
  'protocols',
  'redhat-release',
  'resolv.conf',
  'services',
  'sgml',
  'shells',
  'ssl/certs',
  'ssl/openssl.cnf',
  'terminfo',
  'timezone',
  'vim',
  'wgetrc',
  'xml',
] as const;

/** Versioned configuration directories shown as well: `python3.11`, `java-17-openjdk`, …. */
const VERSIONED_ETC_ENTRY = /^(python3(\.\d+)?|java-\d+-openjdk)$/;

/**
 * bubblewrap arguments that build the sandbox's `/etc`: each present entry of {@link SANDBOX_ETC_ENTRIES}
 * bound read-only (a symbolic link into `/usr` stays a link, so e.g. `readlink /etc/localtime` still names
 * the zone; other links are bound as what they point to), the generated `passwd` and `group` from `etcDir`,
 * and `/etc/mtab` pointing at the sandbox's own mounts.
 */
export function sandboxEtcArgs(etcDir: string, hostEtc = '/etc'): string[] {
  let versioned: string[] = [];
  try {
    versioned = readdirSync(hostEtc).filter((name) => VERSIONED_ETC_ENTRY.test(name));
  } catch {
    // No /etc to read (not Linux): only the generated files.
  }
  // Directories bubblewrap creates for a mount point are 0700: listed ones are made 0755 first.
  const args: string[] = ['--dir', '/etc'];
  const made = new Set(['/etc']);
  for (const entry of [...SANDBOX_ETC_ENTRIES, ...versioned.sort()]) {
    const source = path.join(hostEtc, entry);
    const destination = path.posix.join('/etc', entry);
    let target: string | undefined;
    try {
      if (!lstatSync(source).isSymbolicLink()) target = undefined;
      else {
        const resolved = realpathSync(source);
        target = resolved.startsWith('/usr/') ? resolved : undefined;
      }
    } catch {
      continue; // Missing here, or a dangling link.
    }
    args.push(...ancestorDirArgs(destination, made));
    if (target !== undefined) args.push('--symlink', target, destination);
    else args.push('--ro-bind-try', source, destination);
  }
  args.push(
    '--ro-bind',
    path.join(etcDir, 'passwd'),
    '/etc/passwd',
    '--ro-bind',
    path.join(etcDir, 'group'),
    '/etc/group',
    '--symlink',
    '../proc/self/mounts',
    '/etc/mtab',
  );
  return args;
}

/**
 * `--dir` arguments for the ancestors of `destination` (an absolute sandbox path) not in `made` yet, outermost
 * first, so they are 0755 and not 0700 as bubblewrap makes a mount point's missing parents — which a session
 * running as another uid than bwrap's could not traverse. Adds them to `made`.
 */
export function ancestorDirArgs(destination: string, made: Set<string>): string[] {
  const args: string[] = [];
  const parts = path.posix.dirname(path.posix.resolve(destination)).split('/').filter(Boolean);
  let current = '';
  for (const part of parts) {
    current = `${current}/${part}`;
    if (made.has(current)) continue;
    made.add(current);
    args.push('--dir', current);
  }
  return args;
}

/** Who sessions are inside the sandbox: the SSH user's name, its ids and home. */
export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/**
 * Writes the sandbox's `passwd` and `group` into a new 0755 temp directory: `root`, the session user
 * (`name` with `uid`/`gid`, home `home`, shell `/bin/bash`) and `nobody`/`nogroup`, so `id`, `whoami`, git
 * and ssh find the user without the host's account list.
 * @returns the directory (the caller removes it).
 * @throws HudError `invalid_argument` for a user name that cannot be a passwd entry; file system errors.
 */
export async function writeSandboxEtc(user: SandboxUser): Promise<string> {
  if (!USER_NAME.test(user.name)) {
    throw new HudError(
      'invalid_argument',
      `workspace user ${JSON.stringify(user.name)} cannot name a sandbox account: use letters, digits, '_', '.', '-' (at most 32, not starting with a digit, '.' or '-')`,
    );
  }
  const users = [`root:x:0:0:root:/root:/bin/bash`];
  const groups = ['root:x:0:'];
  if (user.uid !== 0) users.push(`${user.name}:x:${user.uid}:${user.gid}::${user.home}:/bin/bash`);
  if (user.gid !== 0) groups.push(`${user.name}:x:${user.gid}:`);
  if (user.uid !== 65534) users.push('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin');
  if (user.gid !== 65534) groups.push('nogroup:x:65534:');
  const dir = await mkdtemp(path.join(tmpdir(), 'hud-sandbox-etc-'));
  await chmod(dir, 0o755);
  await writeFile(path.join(dir, 'passwd'), `${users.join('\n')}\n`, { mode: 0o644 });
  await writeFile(path.join(dir, 'group'), `${groups.join('\n')}\n`, { mode: 0o644 });
  return dir;
}
