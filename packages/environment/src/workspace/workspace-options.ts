import type { Logger } from '../logger.js';
import type { WorkspaceLauncher } from './launcher.js';
import type { Isolation, WorkspaceMount } from './sandbox.js';

/** Options of `env.workspace(dir, options)` / `Workspace`. */
export interface WorkspaceOptions {
  /** The capability name (default `shell`). */
  name?: string;
  /**
   * A directory copied into the workspace each time it starts (e.g. a project template), so every served
   * process — one rollout under the local runtime — begins from the same files. With a `launcher` it lands
   * in the directory on this host, which the target sees only if it mounts it.
   */
  seed?: string | URL;
  /** The SSH user name (default `agent`). */
  user?: string;
  /** Listen address of the SSH server (default `127.0.0.1`; agents reach it through `tunnel.open`). */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /**
   * `bwrap` or `none`; default: bubblewrap when it works here, else none (hud-python's choice); always
   * `none` with a `launcher` (`bwrap` is refused).
   */
  isolation?: Isolation;
  /** Fail at start unless sessions are isolated by bubblewrap (hud-python `require_isolation`). */
  requireIsolation?: boolean;
  /** Let sandboxed sessions use the host's network (default false: an empty network namespace). */
  network?: boolean;
  /**
   * Where the workspace appears inside the sandbox (default `/workspace`); with a `launcher`, required: the
   * target's working directory as an absolute path (e.g. the container's workdir), where sessions start.
   */
  guestPath?: string;
  /**
   * Variables set for every session and command. Sessions never get this process's environment (where
   * provider keys live): they start from `PATH`, `LANG`, `LANGUAGE`, `LC_*`, `TZ` and `TERM` of it, with
   * `HOME`, `USER`, `LOGNAME` and `SHELL` describing the session's user, then these. With a `launcher`,
   * these are the only ones given to the target besides those a session asks for.
   */
  env?: Readonly<Record<string, string>>;
  /**
   * The user id sessions and workspace commands run as when this process is root (Linux). Under bwrap the
   * default is 65534 (`nobody`), switched to inside the sandbox with util-linux `setpriv`; unisolated, the
   * default is root itself (hud-python's behaviour — the sessions can then read all this process can,
   * including its `/proc/<pid>/environ`): set it (e.g. 65534) to switch there too. Sessions with another
   * uid cannot read `/etc/shadow`, `/root`, the Docker socket, this server's key files or other processes'
   * `/proc/<pid>/environ`; the workspace directory and everything in it is chowned to it at start, so the
   * agent can edit it (unisolated, every directory above it must be open to that uid). `0` keeps root.
   * Serving as another user, sessions are that user (a different id is refused). Not with a `launcher`.
   */
  shellUid?: number;
  /** The group id sessions run as with {@link WorkspaceOptions.shellUid} (default: 65534, or `shellUid`). */
  shellGid?: number;
  /** Extra mounts inside the sandbox (e.g. a toolchain: `{kind: 'ro', src: '/opt/node', dst: '/opt/node'}`). */
  mounts?: readonly WorkspaceMount[];
  /**
   * Runs every session, `sftp-server` and workspace command through this instead of on this host, e.g.
   * `docker exec` into a task's container. The workspace directory then only holds what the host side
   * needs; sessions start in `guestPath`. Bubblewrap does not apply: `isolation: 'bwrap'`,
   * `requireIsolation` and `mounts` are refused with it.
   */
  launcher?: WorkspaceLauncher;
  /**
   * Serve `filetracking/1` over the directory (hud-python `track_files`, spec §3.7): an observation-only
   * daemon on its own 127.0.0.1 port reporting diffs of the workspace, published by `env.workspace()` as
   * capability `filetracking` with params `{root, setup_diff: true}`. Default: on, unless `serve` was told
   * otherwise (`hud serve` passes `HUD_FILE_TRACKING_ENABLED`); off with a `launcher`, whose sessions
   * work elsewhere.
   */
  trackFiles?: boolean;
  logger?: Logger;
}
