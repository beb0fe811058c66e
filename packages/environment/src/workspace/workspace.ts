import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HudError, SSH_PROTOCOL } from '@hud/protocol';
import type { CapabilityRecord } from '../capability.js';
import { fileTrackingContext } from '../filetracking/serve-context.js';
import type { FileTrackingServer } from '../filetracking/server.js';
import { type Logger, silentLogger } from '../logger.js';
import {
  WorkspaceCommandExecutor,
  type WorkspaceCommandOutcome,
  type WorkspaceRunOptions,
} from './command-executor.js';
import { decideIsolation } from './isolation.js';
import { launchedSftpServer, SFTP_SERVER_PATHS } from './launcher.js';
import { type Isolation, type SandboxSpec, systemMountArgs } from './sandbox.js';
import { writeSandboxEtc } from './sandbox-etc.js';
import { assertReachable, chownTree, type ShellIdentity } from './shell-identity.js';
import type { WorkspaceSshServer } from './ssh-server.js';
import type { WorkspaceOptions } from './workspace-options.js';

export type { WorkspaceOptions } from './workspace-options.js';

interface Running {
  sandbox: SandboxSpec;
  server: WorkspaceSshServer;
  credentialsDir: string;
  /** The generated `passwd`/`group` of the sandbox's `/etc` (bwrap only). */
  etcDir: string | undefined;
  capability: CapabilityRecord;
  /** The `filetracking/1` daemon and its capability, when tracking. */
  tracking: { server: FileTrackingServer; capability: CapabilityRecord } | undefined;
}

/**
 * A shell workspace (hud-python `Workspace`, spec §3.2): a directory, an SSH server on loopback publishing
 * the `ssh/2` capability, and — when bubblewrap works — a sandbox every session runs in, with the
 * directory at `/workspace`, system directories read-only, a minimal `/etc`, no network, and (serving as
 * root) an unprivileged uid; or, with a `launcher`, every session run elsewhere (e.g. `docker exec` into a
 * task's container). Sessions never inherit this process's environment (see {@link WorkspaceOptions.env}).
 * Fresh host and client keys per start. Usually declared with `env.workspace(...)`, which starts it in an
 * initialize hook.
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

  /**
   * The published `filetracking/1` capability (`{name: 'filetracking', protocol: 'filetracking/1', url:
   * 'tcp://127.0.0.1:<port>', params: {root, setup_diff: true}}`), or undefined when not tracking files.
   * @throws HudError `not_ready` before start.
   */
  get fileTrackingCapability(): CapabilityRecord | undefined {
    return this.#started().tracking?.capability;
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
   *   or with `isolation: 'bwrap'`, `requireIsolation`, `mounts`, `shellUid` or `shellGid`, for ids out of
   *   range or another user's without root, or an unisolated workspace its `shellUid` cannot reach; file
   *   system and listen errors.
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
    const { isolation, runAs } = await decideIsolation(this.name, options, this.#logger);
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
    if (runAs !== undefined) {
      // Under bwrap the directory is bound at guestPath, wherever it is on this host.
      if (isolation === 'none') await assertReachable(this.name, root, runAs);
      await chownTree(root, runAs);
    }
    const { launcher } = options;
    const user = options.user ?? 'agent';
    const guestPath =
      launcher !== undefined || isolation === 'bwrap' ? (options.guestPath ?? '/workspace') : root;
    const etcDir =
      isolation === 'bwrap' ? await this.#sandboxEtc(user, guestPath, runAs) : undefined;
    const sandbox: SandboxSpec = {
      isolation,
      root,
      // With a launcher, checkLauncher has made sure guestPath is given.
      guestPath,
      network: options.network ?? false,
      mounts: options.mounts ?? [],
      launcher,
      user,
      runAs,
      systemMounts: etcDir === undefined ? [] : systemMountArgs(etcDir),
    };
    let server: WorkspaceSshServer;
    let credentialsDir: string;
    let capability: CapabilityRecord;
    try {
      ({ server, credentialsDir, capability } = await this.#serve(sandbox));
    } catch (error) {
      if (etcDir !== undefined) await rm(etcDir, { recursive: true, force: true });
      throw error;
    }
    let tracking: Running['tracking'];
    try {
      tracking = await this.#startTracking(root);
    } catch (error) {
      await server.close();
      await rm(credentialsDir, { recursive: true, force: true });
      if (etcDir !== undefined) await rm(etcDir, { recursive: true, force: true });
      throw error;
    }
    this.#running = { sandbox, server, credentialsDir, etcDir, capability, tracking };
    const who = runAs === undefined ? '' : `, as uid ${runAs.uid}`;
    this.#logger.debug(
      `workspace '${this.name}' serving ${root} at ${capability.url} (isolation: ${isolation}${who})`,
    );
    return capability;
  }

  /** Takes the baseline and binds `filetracking/1`, when tracking (see {@link WorkspaceOptions.trackFiles}). */
  async #startTracking(root: string): Promise<Running['tracking']> {
    const options = this.#options;
    const served = fileTrackingContext();
    if (!(options.trackFiles ?? (options.launcher === undefined && served.enabled)))
      return undefined;
    const [{ FileTracker }, { FileTrackingServer, FILE_TRACKING_PROTOCOL }] = await Promise.all([
      import('../filetracking/tracker.js'),
      import('../filetracking/server.js'),
    ]);
    const tracker = new FileTracker(root);
    await tracker.takeBaseline();
    const server = await FileTrackingServer.listen(tracker, {
      host: options.host ?? '127.0.0.1',
      maxFrameBytes: served.maxFrameBytes,
      logger: this.#logger,
    });
    const capability: CapabilityRecord = {
      name: 'filetracking',
      protocol: FILE_TRACKING_PROTOCOL,
      url: server.url,
      params: { root: root.split(path.sep).join('/'), setup_diff: true },
    };
    return { server, capability };
  }

  /** The sandbox's generated `passwd`/`group`: the SSH user with the ids sessions have inside. */
  #sandboxEtc(user: string, home: string, runAs: ShellIdentity | undefined): Promise<string> {
    // Without runAs, bwrap's user namespace maps this process's ids onto themselves.
    const uid = runAs?.uid ?? process.getuid?.() ?? 0;
    const gid = runAs?.gid ?? process.getgid?.() ?? 0;
    return writeSandboxEtc({ name: user, uid, gid, home });
  }

  /** Generates the keys and starts the SSH server; the keys are removed again when that fails. */
  async #serve(
    sandbox: SandboxSpec,
  ): Promise<{ server: WorkspaceSshServer; credentialsDir: string; capability: CapabilityRecord }> {
    const options = this.#options;
    // ssh2 is loaded only when a workspace actually starts.
    const [{ createCredentials }, { WorkspaceSshServer }] = await Promise.all([
      import('./keys.js'),
      import('./ssh-server.js'),
    ]);
    const credentials = await createCredentials();
    const host = options.host ?? '127.0.0.1';
    let server: WorkspaceSshServer;
    try {
      server = await WorkspaceSshServer.listen({
        host,
        port: options.port ?? 0,
        user: sandbox.user,
        hostKey: credentials.hostKey,
        clientPublicKey: credentials.clientPublicKey,
        sandbox,
        env: options.env ?? {},
        sftpServer: sandbox.launcher !== undefined ? launchedSftpServer() : localSftpServer(),
        logger: this.#logger,
      });
    } catch (error) {
      await rm(credentials.dir, { recursive: true, force: true });
      throw error;
    }
    const capability: CapabilityRecord = {
      name: this.name,
      protocol: SSH_PROTOCOL,
      url: `ssh://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
      params: {
        user: sandbox.user,
        host_pubkey: credentials.hostPublicKey,
        client_key: credentials.clientKey,
        client_key_path: credentials.clientKeyPath,
        shell: 'bash',
        cwd: sandbox.guestPath,
        isolation: sandbox.isolation,
      },
    };
    return { server, credentialsDir: credentials.dir, capability };
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
      await running.tracking?.server.close();
      await rm(running.credentialsDir, { recursive: true, force: true });
      if (running.etcDir !== undefined) await rm(running.etcDir, { recursive: true, force: true });
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
