import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HudError, SSH_PROTOCOL } from '@hud/protocol';
import type { CapabilityRecord } from '../capability.js';
import { type Logger, silentLogger } from '../logger.js';
import {
  WorkspaceCommandExecutor,
  type WorkspaceCommandOutcome,
  type WorkspaceRunOptions,
} from './command-executor.js';
import { launchedSftpServer, SFTP_SERVER_PATHS, type WorkspaceLauncher } from './launcher.js';
import { type Isolation, probeBwrap, type SandboxSpec, type WorkspaceMount } from './sandbox.js';
import type { WorkspaceSshServer } from './ssh-server.js';

/** Options of `env.workspace(dir, options)` / {@link Workspace}. */
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
   * Variables set for every session and command (on top of this process's, minus `HUD_*`; with a
   * `launcher`, the only ones given to the target besides those a session asks for).
   */
  env?: Readonly<Record<string, string>>;
  /** Extra mounts inside the sandbox (e.g. a toolchain: `{kind: 'ro', src: '/opt/node', dst: '/opt/node'}`). */
  mounts?: readonly WorkspaceMount[];
  /**
   * Runs every session, `sftp-server` and workspace command through this instead of on this host, e.g.
   * `docker exec` into a task's container. The workspace directory then only holds what the host side
   * needs; sessions start in `guestPath`. Bubblewrap does not apply: `isolation: 'bwrap'`,
   * `requireIsolation` and `mounts` are refused with it.
   */
  launcher?: WorkspaceLauncher;
  logger?: Logger;
}

interface Running {
  sandbox: SandboxSpec;
  server: WorkspaceSshServer;
  credentialsDir: string;
  capability: CapabilityRecord;
}

/**
 * A shell workspace (hud-python `Workspace`, spec §3.2): a directory, an SSH server on loopback publishing
 * the `ssh/2` capability, and — when bubblewrap works — a sandbox every session runs in, with the
 * directory at `/workspace`, system directories read-only and no network; or, with a `launcher`, every
 * session run elsewhere (e.g. `docker exec` into a task's container). Fresh host and client keys per
 * start. Usually declared with `env.workspace(...)`, which starts it in an initialize hook.
 * @example
 * const workspace = env.workspace({ seed: new URL('./project/', import.meta.url) });
 * const tests = new BashGrader({ executor: workspace.executor() });
 */
export class Workspace implements AsyncDisposable {
  readonly #dir: string | undefined;
  readonly #options: WorkspaceOptions;
  readonly #logger: Logger;
  #root: string | undefined;
  #ownsRoot = false;
  #starting: Promise<CapabilityRecord> | undefined;
  #running: Running | undefined;

  /** @param dir the workspace directory (created if missing); default: a fresh temp directory per start. */
  constructor(dir?: string | URL, options: WorkspaceOptions = {}) {
    this.#dir = dir === undefined ? undefined : path.resolve(toPath(dir));
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** The capability name this workspace publishes. */
  get name(): string {
    return this.#options.name ?? 'shell';
  }

  /**
   * The workspace directory on this host.
   * @throws HudError `not_ready` for a temp-directory workspace that has not started.
   */
  get root(): string {
    const root = this.#root ?? this.#dir;
    if (root === undefined) {
      throw new HudError('not_ready', `workspace '${this.name}' has no directory until it starts`);
    }
    return root;
  }

  /**
   * The workspace directory as sessions see it: `/workspace` (or `guestPath`) under bwrap, `guestPath` with
   * a launcher, else {@link root}.
   */
  get cwd(): string {
    return this.#started().sandbox.guestPath;
  }

  /** How sessions are isolated (known once started); `none` with a launcher, whose target isolates them. */
  get isolation(): Isolation {
    return this.#started().sandbox.isolation;
  }

  /** The published `ssh/2` capability. @throws HudError `not_ready` before start. */
  get capability(): CapabilityRecord {
    return this.#started().capability;
  }

  #started(): Running {
    if (this.#running === undefined) {
      throw new HudError('not_ready', `workspace '${this.name}' has not started`);
    }
    return this.#running;
  }

  /**
   * Prepares the directory (copying `seed` in), decides the isolation, generates keys and starts the SSH
   * server. Idempotent until {@link Workspace.stop}.
   * @returns the `ssh/2` capability to publish.
   * @throws HudError `unsupported` when `requireIsolation` is set (or `isolation: 'bwrap'`) and bubblewrap
   *   is missing or fails its probe; `invalid_argument` for a `launcher` without an absolute `guestPath`
   *   or with `isolation: 'bwrap'`, `requireIsolation` or `mounts`; file system and listen errors.
   */
  start(): Promise<CapabilityRecord> {
    this.#starting ??= this.#start().catch(async (error: unknown) => {
      await this.#cleanup();
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<CapabilityRecord> {
    const options = this.#options;
    const isolation = await this.#isolation();
    if (this.#dir === undefined) {
      this.#root = await mkdtemp(path.join(tmpdir(), 'hud-workspace-'));
      this.#ownsRoot = true;
    } else {
      await mkdir(this.#dir, { recursive: true });
      this.#root = this.#dir;
    }
    const root = await realpath(this.#root);
    this.#root = root;
    if (options.seed !== undefined) {
      await cp(toPath(options.seed), root, { recursive: true, force: true });
    }
    const { launcher } = options;
    const sandbox: SandboxSpec = {
      isolation,
      root,
      // With a launcher, #checkLauncher has made sure guestPath is given.
      guestPath:
        launcher !== undefined || isolation === 'bwrap'
          ? (options.guestPath ?? '/workspace')
          : root,
      network: options.network ?? false,
      mounts: options.mounts ?? [],
      launcher,
    };
    // ssh2 is loaded only when a workspace actually starts.
    const [{ createCredentials }, { WorkspaceSshServer }] = await Promise.all([
      import('./keys.js'),
      import('./ssh-server.js'),
    ]);
    const credentials = await createCredentials();
    const user = options.user ?? 'agent';
    let server: WorkspaceSshServer;
    try {
      server = await WorkspaceSshServer.listen({
        host: options.host ?? '127.0.0.1',
        port: options.port ?? 0,
        user,
        hostKey: credentials.hostKey,
        clientPublicKey: credentials.clientPublicKey,
        sandbox,
        env: options.env ?? {},
        sftpServer: launcher !== undefined ? launchedSftpServer() : localSftpServer(),
        logger: this.#logger,
      });
    } catch (error) {
      await rm(credentials.dir, { recursive: true, force: true });
      throw error;
    }
    const host = options.host ?? '127.0.0.1';
    const capability: CapabilityRecord = {
      name: this.name,
      protocol: SSH_PROTOCOL,
      url: `ssh://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
      params: {
        user,
        host_pubkey: credentials.hostPublicKey,
        client_key: credentials.clientKey,
        client_key_path: credentials.clientKeyPath,
        shell: 'bash',
        cwd: sandbox.guestPath,
        isolation,
      },
    };
    this.#running = { sandbox, server, credentialsDir: credentials.dir, capability };
    this.#logger.debug(
      `workspace '${this.name}' serving ${root} at ${capability.url} (isolation: ${isolation})`,
    );
    return capability;
  }

  async #isolation(): Promise<Isolation> {
    const { isolation, requireIsolation } = this.#options;
    if (this.#options.launcher !== undefined) {
      this.#checkLauncher();
      return 'none';
    }
    if (isolation === 'none') {
      if (requireIsolation === true) {
        throw new HudError(
          'invalid_argument',
          `workspace '${this.name}': requireIsolation with isolation 'none'`,
        );
      }
      return 'none';
    }
    const probe = await probeBwrap(this.#options.network ?? false);
    if (probe.ok) return 'bwrap';
    if (requireIsolation === true || isolation === 'bwrap') {
      throw new HudError(
        'unsupported',
        `workspace '${this.name}' requires isolation, but ${probe.reason}`,
      );
    }
    this.#logger.warn(`workspace '${this.name}' runs sessions unisolated: ${probe.reason}`);
    return 'none';
  }

  /** A launcher's target is not this host: bubblewrap settings cannot apply, and its directory must be named. */
  #checkLauncher(): void {
    const { isolation, requireIsolation, mounts, guestPath } = this.#options;
    const refused = [
      isolation === 'bwrap' ? "isolation 'bwrap'" : undefined,
      requireIsolation === true ? 'requireIsolation' : undefined,
      mounts !== undefined && mounts.length > 0 ? 'mounts' : undefined,
    ].filter((name) => name !== undefined);
    if (refused.length > 0) {
      throw new HudError(
        'invalid_argument',
        `workspace '${this.name}': ${refused.join(', ')} cannot apply with a launcher, which runs ` +
          'sessions elsewhere; isolate them in the launched target (e.g. the container) instead',
      );
    }
    if (guestPath === undefined || !path.posix.isAbsolute(guestPath)) {
      throw new HudError(
        'invalid_argument',
        `workspace '${this.name}': a launcher needs guestPath, the absolute directory sessions start in ` +
          "within the launched target (e.g. the container's workdir)",
      );
    }
  }

  /** Stops the SSH server (killing running sessions) and deletes the keys, and a temp directory. Idempotent. */
  async stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    await this.#cleanup();
    this.#starting = undefined;
  }

  async #cleanup(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    if (running !== undefined) {
      await running.server.close();
      await rm(running.credentialsDir, { recursive: true, force: true });
    }
    if (this.#ownsRoot && this.#root !== undefined) {
      await rm(this.#root, { recursive: true, force: true });
      this.#root = undefined;
      this.#ownsRoot = false;
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /**
   * A `CommandExecutor` (`@hud/graders`) running commands inside this workspace, e.g. for `BashGrader`.
   * Usable before start; each `run` needs a started workspace.
   * @param options.maxOutputBytes cap of captured stdout and of stderr (default 1 MiB each).
   */
  executor(options: { maxOutputBytes?: number } = {}): WorkspaceCommandExecutor {
    return new WorkspaceCommandExecutor({
      sandbox: () => this.#started().sandbox,
      env: () => this.#options.env ?? {},
      maxOutputBytes: options.maxOutputBytes,
    });
  }

  /**
   * Runs `command` inside the workspace (see {@link Workspace.executor}); default timeout 10 minutes.
   * @throws as `WorkspaceCommandExecutor.run`.
   */
  exec(
    command: string | readonly string[],
    options: Partial<WorkspaceRunOptions> = {},
  ): Promise<WorkspaceCommandOutcome> {
    return this.executor().run(command, { timeoutMs: 600_000, ...options });
  }

  /**
   * The text of `file` (relative to the workspace, or a path as sessions see it), read inside the workspace.
   * @throws HudError `invalid_argument` when it cannot be read (the message carries `cat`'s error).
   */
  async readText(file: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const result = await this.exec(['cat', '--', file], { signal: options.signal });
    if (result.exitCode !== 0) {
      throw new HudError('invalid_argument', `cannot read ${file}: ${result.stderr.trim()}`);
    }
    return result.stdout;
  }

  /**
   * Writes `text` to `file` inside the workspace, creating parent directories.
   * @throws HudError `invalid_argument` when it cannot be written.
   */
  async writeText(
    file: string,
    text: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const result = await this.exec(
      ['sh', '-c', 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', 'sh', file],
      { input: text, signal: options.signal },
    );
    if (result.exitCode !== 0) {
      throw new HudError('invalid_argument', `cannot write ${file}: ${result.stderr.trim()}`);
    }
  }
}

/** OpenSSH's `sftp-server` on this host, run directly (or in bubblewrap, which shows the host's /usr). */
function localSftpServer(): string[] | undefined {
  const server = SFTP_SERVER_PATHS.find((candidate) => existsSync(candidate));
  return server === undefined ? undefined : [server];
}

function toPath(location: string | URL): string {
  return location instanceof URL ? fileURLToPath(location) : location;
}
