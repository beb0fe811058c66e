import { existsSync } from 'node:fs';
import { lchown, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HudError } from '@hud/protocol';

/** A user and group id to run workspace sessions as. */
export interface ShellIdentity {
  readonly uid: number;
  readonly gid: number;
}

/**
 * The ids sessions run as by default when the serving process is root: 65534, `nobody`/`nogroup` on
 * Debian, Ubuntu, Fedora and Alpine — an account that owns nothing, so the agent's shell cannot read what
 * only root may (`/etc/shadow`, `/root`, other processes' `/proc/<pid>/environ`, the Docker socket).
 */
export const UNPRIVILEGED_ID = 65534;

/** Largest valid id: `(uid_t) -1` is reserved. */
const MAX_ID = 2 ** 32 - 2;

function checkId(name: string, value: number | undefined, workspace: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > MAX_ID) {
    throw new HudError(
      'invalid_argument',
      `workspace '${workspace}': ${name} must be an integer from 0 to ${MAX_ID}, got ${value}`,
    );
  }
}

/** The ids a workspace's sessions could switch to, and whether they were asked for. */
export interface ShellIdentityChoice {
  readonly identity: ShellIdentity;
  /** Given as `shellUid`/`shellGid`; otherwise the default for a root server ({@link UNPRIVILEGED_ID}). */
  readonly explicit: boolean;
}

/**
 * Which ids a workspace's sessions may switch to, or undefined to run them as this process. Serving as
 * root: `shellUid`/`shellGid` (the gid defaults to the uid when only that is given), else
 * {@link UNPRIVILEGED_ID} as a default the caller applies under bubblewrap only; `shellUid: 0` keeps root.
 * Serving as anyone else, sessions are that user; a different `shellUid` needs root.
 * @param currentUid this process's uid (`process.getuid()`; undefined on Windows).
 * @throws HudError `invalid_argument` for an id out of range, or another user's id without root;
 *   `unsupported` for ids on a system without uids (Windows).
 */
export function resolveShellIdentity(
  workspace: string,
  options: { shellUid?: number | undefined; shellGid?: number | undefined },
  currentUid: number | undefined,
): ShellIdentityChoice | undefined {
  const { shellUid, shellGid } = options;
  checkId('shellUid', shellUid, workspace);
  checkId('shellGid', shellGid, workspace);
  const explicit = shellUid !== undefined || shellGid !== undefined;
  if (currentUid === undefined) {
    if (!explicit) return undefined;
    throw new HudError(
      'unsupported',
      `workspace '${workspace}': shellUid/shellGid need a system with user ids (Linux, macOS)`,
    );
  }
  if (currentUid !== 0) {
    if (shellUid !== undefined && shellUid !== currentUid) {
      throw new HudError(
        'invalid_argument',
        `workspace '${workspace}': shellUid ${shellUid} needs this process to run as root (it runs as uid ${currentUid})`,
      );
    }
    return undefined;
  }
  const uid = shellUid ?? UNPRIVILEGED_ID;
  if (uid === 0) return undefined;
  const gid = shellGid ?? (shellUid === undefined ? UNPRIVILEGED_ID : shellUid);
  return { identity: { uid, gid }, explicit };
}

/** Where util-linux's `setpriv` lives (merged `/usr` or not); the sandbox shows the same paths. */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv'];

/**
 * The argv prefix that runs a command with `identity`'s ids, no supplementary groups, empty inheritable
 * and bounding capability sets and no way to gain privileges again (`no_new_privs`: setuid programs such
 * as `su` or `sudo` stay powerless): util-linux `setpriv`, the first of the usual paths that exists, else
 * looked up on `PATH`. Run as root with `CAP_SETUID`, `CAP_SETGID` and `CAP_SETPCAP`.
 */
export function setprivArgv(identity: ShellIdentity): string[] {
  const setpriv = SETPRIV_PATHS.find((candidate) => existsSync(candidate)) ?? 'setpriv';
  return [
    setpriv,
    '--reuid',
    String(identity.uid),
    '--regid',
    String(identity.gid),
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
  ];
}

/**
 * Makes `identity` own `root` and everything under it (symbolic links themselves, never their targets),
 * so sessions running with its ids can edit the workspace, including a seed copied in by root.
 * @throws file system errors (e.g. EPERM when this process is not root).
 */
export async function chownTree(root: string, identity: ShellIdentity): Promise<void> {
  await lchown(root, identity.uid, identity.gid);
  const entries = await readdir(root, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) await chownTree(full, identity);
    else await lchown(full, identity.uid, identity.gid);
  }
}

/** Whether `identity` may search (`x`) a directory with this owner, group and mode (ACLs aside). */
function searchable(info: { uid: number; gid: number; mode: number }, identity: ShellIdentity) {
  if (info.uid === identity.uid) return (info.mode & 0o100) !== 0;
  if (info.gid === identity.gid) return (info.mode & 0o010) !== 0;
  return (info.mode & 0o001) !== 0;
}

/**
 * Checks that sessions running unisolated with `identity`'s ids can reach `root` by its absolute path
 * (tools and `sftp` use absolute paths): every directory above it must be searchable by them.
 * @throws HudError `invalid_argument` naming the first directory that is not.
 */
export async function assertReachable(
  workspace: string,
  root: string,
  identity: ShellIdentity,
): Promise<void> {
  const ancestors: string[] = [];
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    ancestors.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of ancestors) {
    const info = await stat(dir);
    if (!searchable(info, identity)) {
      throw new HudError(
        'invalid_argument',
        `workspace '${workspace}': sessions run as uid ${identity.uid} (this process is root) and cannot reach ${root}: ${dir} (mode ${(info.mode & 0o7777).toString(8)}, owner ${info.uid}) is closed to them; serve a directory they can reach, isolate sessions with bubblewrap, or set shellUid`,
      );
    }
  }
}
