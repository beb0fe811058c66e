import { execFile } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import type { WorkspaceLauncher } from './launcher.js';
import { ancestorDirArgs, sandboxEtcArgs } from './sandbox-etc.js';
import { type ShellIdentity, setprivArgv } from './shell-identity.js';

/** How workspace sessions are isolated: a bubblewrap sandbox, or none (plain processes on this host). */
export type Isolation = 'bwrap' | 'none';

/** An extra mount inside the sandbox (hud-python `Mount`): read-only, read-write, or an empty tmpfs. */
export interface WorkspaceMount {
  kind: 'ro' | 'rw' | 'tmpfs';
  /** Host path (not for `tmpfs`). */
  src?: string;
  /** Path inside the sandbox. */
  dst: string;
  /** Skip it when `src` does not exist instead of failing the session. */
  optional?: boolean;
}

/** Where and how a workspace's processes run. */
export interface SandboxSpec {
  readonly isolation: Isolation;
  /** The workspace directory on this host. */
  readonly root: string;
  /**
   * The workspace directory as sessions see it: `/workspace` under bwrap, the target's with a launcher,
   * else `root`.
   */
  readonly guestPath: string;
  /** Give sessions the host's network (default: an empty network namespace under bwrap). */
  readonly network: boolean;
  readonly mounts: readonly WorkspaceMount[];
  /** Starts sessions elsewhere (e.g. in a container) instead of on this host; `isolation` is then `none`. */
  readonly launcher?: WorkspaceLauncher | undefined;
  /** The SSH user's name, given to sessions as `USER`/`LOGNAME` (and their passwd entry under bwrap). */
  readonly user: string;
  /**
   * The ids sessions switch to (this process being root), or undefined to run them as this process: under
   * bwrap through `setpriv` inside the sandbox, else by spawning them with these ids.
   */
  readonly runAs?: ShellIdentity | undefined;
  /** bubblewrap arguments for the system directories and the minimal `/etc` ({@link systemMountArgs}). */
  readonly systemMounts: readonly string[];
}

/** A program to spawn: file, arguments, the host directory to start it in, and the ids to run it as. */
export interface SpawnTarget {
  file: string;
  args: string[];
  cwd: string;
  /** Spawn with these ids (only when this process is root); undefined: as this process. */
  runAs?: ShellIdentity | undefined;
}

// hud-python DEFAULT_SYSTEM_MOUNTS: ro /usr and /etc, the merged-/usr links, proc, dev, tmpfs /tmp — here
// with a minimal /etc instead of the host's (no shadow, no /etc/environment, a generated passwd).
const SYSTEM_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * bubblewrap arguments for a sandbox's system directories: `/usr` read-only, the merged-`/usr` links (or
 * directories), the minimal `/etc` of {@link sandboxEtcArgs} with `passwd`/`group` from `etcDir`, a fresh
 * `/proc` and `/dev`, and a private `/tmp`. Reads the host's layout once; pass the result as
 * {@link SandboxSpec.systemMounts}.
 */
export function systemMountArgs(etcDir: string): string[] {
  const args = ['--ro-bind', '/usr', '/usr', ...sandboxEtcArgs(etcDir)];
  for (const path of SYSTEM_LINKS) {
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
      else if (stat.isDirectory()) args.push('--ro-bind', path, path);
    } catch {
      // Absent on this system (e.g. /lib32).
    }
  }
  // A tmpfs is 0755 by default; /tmp must be writable by a session's uid other than bwrap's.
  args.push('--proc', '/proc', '--dev', '/dev', '--perms', '01777', '--tmpfs', '/tmp');
  return args;
}

/** The workspace at `guestPath`, then the extra mounts, each with 0755 parent directories. */
function workspaceMountArgs(spec: SandboxSpec): string[] {
  const made = new Set<string>(['/etc', '/usr', '/proc', '/dev', '/tmp']);
  const args = [...ancestorDirArgs(spec.guestPath, made), '--bind', spec.root, spec.guestPath];
  made.add(spec.guestPath);
  for (const mount of spec.mounts) {
    args.push(...ancestorDirArgs(mount.dst, made));
    if (mount.kind === 'tmpfs') {
      args.push('--tmpfs', mount.dst);
      continue;
    }
    const flag = mount.kind === 'ro' ? '--ro-bind' : '--bind';
    args.push(mount.optional === true ? `${flag}-try` : flag, mount.src ?? mount.dst, mount.dst);
  }
  return args;
}

/**
 * What privileged bubblewrap keeps until `setpriv` switches ids (which clears them all): the switch itself,
 * emptying the bounding set, and searching directories, so it can enter a workspace only the session's
 * uid may open.
 */
const SETPRIV_CAPS = [
  '--cap-add',
  'CAP_SETUID',
  '--cap-add',
  'CAP_SETGID',
  '--cap-add',
  'CAP_SETPCAP',
  '--cap-add',
  'CAP_DAC_READ_SEARCH',
];

/**
 * The program that runs `inner` (argv) for a session: bubblewrap with the workspace bound at `guestPath`,
 * system directories read-only and a minimal `/etc`, new pid/ipc/uts namespaces (and net unless
 * `network`), every capability dropped and `--die-with-parent`, so killing bwrap ends everything inside;
 * or `inner` itself, started in the workspace, when isolation is off. With `runAs` bubblewrap runs
 * privileged (no user namespace, which would map the ids to root's) and `setpriv` switches to the ids
 * inside, keeping only the capabilities it needs for that, which the switch then drops; unisolated, the
 * process is spawned with the ids. `cwd` is a path as sessions see it.
 */
export function sandboxTarget(
  spec: SandboxSpec,
  inner: readonly string[],
  cwd: string,
): SpawnTarget {
  const [file, ...args] = inner;
  if (file === undefined) throw new Error('empty command');
  if (spec.isolation === 'none') return { file, args, cwd, runAs: spec.runAs };
  const { runAs } = spec;
  return {
    file: 'bwrap',
    args: [
      '--die-with-parent',
      ...(runAs === undefined ? ['--unshare-user'] : []),
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      ...(spec.network ? [] : ['--unshare-net']),
      ...spec.systemMounts,
      ...workspaceMountArgs(spec),
      '--cap-drop',
      'ALL',
      ...(runAs === undefined ? [] : SETPRIV_CAPS),
      '--chdir',
      cwd,
      '--',
      ...(runAs === undefined ? [] : setprivArgv(runAs)),
      file,
      ...args,
    ],
    cwd: spec.root,
  };
}

/**
 * Whether bubblewrap can build the sandbox here: runs it once with the namespaces sessions use (hud-python
 * probes the same way); with `runAs`, privileged and switching ids with `setpriv` as sessions then do.
 * Resolves with the reason when it cannot.
 */
export function probeBwrap(
  network: boolean,
  runAs?: ShellIdentity,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const args = [
    ...(runAs === undefined ? ['--unshare-user'] : []),
    '--unshare-pid',
    ...(network ? [] : ['--unshare-net']),
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // Sessions need it (bubblewrap 0.5+).
    '--perms',
    '01777',
    '--tmpfs',
    '/tmp',
    ...(runAs === undefined ? [] : ['--cap-drop', 'ALL', ...SETPRIV_CAPS]),
    '--',
    ...(runAs === undefined ? [] : setprivArgv(runAs)),
    'true',
  ];
  return new Promise((resolve) => {
    execFile('bwrap', args, { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (!error) {
        resolve({ ok: true });
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      resolve({
        ok: false,
        reason:
          code === 'ENOENT'
            ? 'bwrap is not installed (apt-get install bubblewrap)'
            : `bwrap failed its probe: ${String(stderr).trim() || error.message}`,
      });
    });
  });
}
