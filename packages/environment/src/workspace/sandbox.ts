import { execFile } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import type { WorkspaceLauncher } from './launcher.js';

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
}

/** A program to spawn: file, arguments, and the host directory to start it in. */
export interface SpawnTarget {
  file: string;
  args: string[];
  cwd: string;
}

// hud-python DEFAULT_SYSTEM_MOUNTS: ro /usr and /etc, the merged-/usr links, proc, dev, tmpfs /tmp.
const SYSTEM_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

function systemMountArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc'];
  for (const path of SYSTEM_LINKS) {
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
      else if (stat.isDirectory()) args.push('--ro-bind', path, path);
    } catch {
      // Absent on this system (e.g. /lib32).
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  return args;
}

function extraMountArgs(mounts: readonly WorkspaceMount[]): string[] {
  const args: string[] = [];
  for (const mount of mounts) {
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
 * The program that runs `inner` (argv) for a session: bubblewrap with the workspace bound at `guestPath`,
 * system directories read-only, new user/pid/ipc/uts namespaces (and net unless `network`), every
 * capability dropped and `--die-with-parent`, so killing bwrap ends everything inside; or `inner` itself,
 * started in the workspace, when isolation is off. `cwd` is a path as sessions see it.
 */
export function sandboxTarget(
  spec: SandboxSpec,
  inner: readonly string[],
  cwd: string,
): SpawnTarget {
  const [file, ...args] = inner;
  if (file === undefined) throw new Error('empty command');
  if (spec.isolation === 'none') return { file, args, cwd };
  return {
    file: 'bwrap',
    args: [
      '--die-with-parent',
      '--unshare-user',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      ...(spec.network ? [] : ['--unshare-net']),
      ...systemMountArgs(),
      '--bind',
      spec.root,
      spec.guestPath,
      ...extraMountArgs(spec.mounts),
      '--cap-drop',
      'ALL',
      '--chdir',
      cwd,
      '--',
      file,
      ...args,
    ],
    cwd: spec.root,
  };
}

/**
 * Whether bubblewrap can build the sandbox here: runs it once with the namespaces sessions use (hud-python
 * probes the same way). Resolves with the reason when it cannot.
 */
export function probeBwrap(
  network: boolean,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const args = [
    '--unshare-user',
    '--unshare-pid',
    ...(network ? [] : ['--unshare-net']),
    '--ro-bind',
    '/',
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--',
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
