import path from 'node:path';
import { HudError } from '@hud/protocol';
import type { Logger } from '../logger.js';
import { type Isolation, probeBwrap } from './sandbox.js';
import { resolveShellIdentity, type ShellIdentity } from './shell-identity.js';
import type { WorkspaceOptions } from './workspace-options.js';

/** How a workspace's sessions run: isolated or not, and with which ids (undefined: this process's). */
export interface IsolationDecision {
  isolation: Isolation;
  runAs: ShellIdentity | undefined;
}

/**
 * Decides how sessions run. With a launcher: as the launcher makes them (after {@link checkLauncher}).
 * Otherwise bubblewrap when its probe passes (unless `isolation: 'none'`) — serving as root, with the
 * sessions switched to `shellUid`/`shellGid` or by default uid/gid 65534; when that cannot work here but a
 * sandbox keeping root's ids (in a user namespace) can, that, with a warning. Unisolated, sessions switch
 * ids only when `shellUid`/`shellGid` ask for it (hud-python's default: the serving user, e.g. root in a
 * container that is itself the isolation).
 * @throws HudError as {@link checkLauncher} and `resolveShellIdentity`; `invalid_argument` for
 *   `requireIsolation` with `isolation: 'none'`; `unsupported` when isolation is required and bubblewrap
 *   is missing or fails its probe.
 */
export async function decideIsolation(
  name: string,
  options: WorkspaceOptions,
  logger: Logger,
): Promise<IsolationDecision> {
  const { isolation, requireIsolation } = options;
  if (options.launcher !== undefined) {
    checkLauncher(name, options);
    return { isolation: 'none', runAs: undefined };
  }
  const choice = resolveShellIdentity(name, options, process.getuid?.());
  const unisolated = choice?.explicit === true ? choice.identity : undefined;
  if (isolation === 'none') {
    if (requireIsolation === true) {
      throw new HudError(
        'invalid_argument',
        `workspace '${name}': requireIsolation with isolation 'none'`,
      );
    }
    return { isolation: 'none', runAs: unisolated };
  }
  const network = options.network ?? false;
  const probe = await probeBwrap(network, choice?.identity);
  if (probe.ok) return { isolation: 'bwrap', runAs: choice?.identity };
  if (choice !== undefined && !choice.explicit && (await probeBwrap(network)).ok) {
    logger.warn(
      `workspace '${name}' runs sessions as root inside the sandbox (they cannot switch to uid ${choice.identity.uid} here: ${probe.reason})`,
    );
    return { isolation: 'bwrap', runAs: undefined };
  }
  if (requireIsolation === true || isolation === 'bwrap') {
    throw new HudError(
      'unsupported',
      `workspace '${name}' requires isolation, but ${probe.reason}`,
    );
  }
  const asRoot =
    unisolated === undefined && choice !== undefined
      ? ` — as root, so they can read all this process can, its environment included (shellUid: ${choice.identity.uid} would switch them)`
      : '';
  logger.warn(`workspace '${name}' runs sessions unisolated: ${probe.reason}${asRoot}`);
  return { isolation: 'none', runAs: unisolated };
}

/**
 * A launcher's target is not this host: bubblewrap settings and ids cannot apply, and its directory must
 * be named.
 * @throws HudError `invalid_argument` naming what cannot apply, or the missing `guestPath`.
 */
export function checkLauncher(name: string, options: WorkspaceOptions): void {
  const { isolation, requireIsolation, mounts, guestPath, shellUid, shellGid } = options;
  const refused = [
    isolation === 'bwrap' ? "isolation 'bwrap'" : undefined,
    requireIsolation === true ? 'requireIsolation' : undefined,
    mounts !== undefined && mounts.length > 0 ? 'mounts' : undefined,
    shellUid !== undefined ? 'shellUid' : undefined,
    shellGid !== undefined ? 'shellGid' : undefined,
  ].filter((refusedName) => refusedName !== undefined);
  if (refused.length > 0) {
    throw new HudError(
      'invalid_argument',
      `workspace '${name}': ${refused.join(', ')} cannot apply with a launcher, which runs ` +
        'sessions elsewhere; isolate them in the launched target (e.g. the container) instead',
    );
  }
  if (guestPath === undefined || !path.posix.isAbsolute(guestPath)) {
    throw new HudError(
      'invalid_argument',
      `workspace '${name}': a launcher needs guestPath, the absolute directory sessions start in ` +
        "within the launched target (e.g. the container's workdir)",
    );
  }
}
