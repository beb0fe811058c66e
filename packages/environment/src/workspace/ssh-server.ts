import type { ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import { errorMessage } from '@hud/protocol';
import type { AuthContext, ServerChannel, Session } from 'ssh2';
import ssh2 from 'ssh2';
import type { Logger } from '../logger.js';
import type { SandboxSpec } from './sandbox.js';
import {
  killTree,
  type SessionPty,
  type SessionSpec,
  spawnSession,
  terminateTree,
} from './session-process.js';

/** Options of {@link WorkspaceSshServer.listen}. */
export interface WorkspaceSshServerOptions {
  host: string;
  port: number;
  /** The only user name accepted. */
  user: string;
  /** Host private key (OpenSSH PEM). */
  hostKey: string;
  /** The only client key accepted (`ssh-ed25519 AAAA…`). */
  clientPublicKey: string;
  sandbox: SandboxSpec;
  /** The workspace's own variables for every session. */
  env: Readonly<Record<string, string>>;
  /** The argv of OpenSSH's `sftp-server`, run like a session for the `sftp` subsystem; none → refused. */
  sftpServer: readonly string[] | undefined;
  logger: Logger;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Signal names an SSH `exit-signal` may carry (RFC 4254 §6.10); others are sent as 128 + N.
const SSH_SIGNALS = new Set([
  'ABRT',
  'ALRM',
  'FPE',
  'HUP',
  'ILL',
  'INT',
  'KILL',
  'PIPE',
  'QUIT',
  'SEGV',
  'TERM',
  'USR1',
  'USR2',
]);

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Resolves once everything written to `stream` so far has gone out to the channel, or the channel closed.
 * (Waiting for 'drain' is not enough: it fires only after a write returned false, so a short queue
 * would be waited on forever.) The callback of an empty write runs after every write queued before it.
 */
function flushed(stream: Writable, channel: ServerChannel): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed || stream.writableEnded) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      channel.off('close', done);
      resolve();
    };
    channel.once('close', done);
    stream.write(Buffer.alloc(0), done);
  });
}

/**
 * The SSH server of a workspace (hud-python's asyncssh server, spec §3.2): public-key authentication with
 * one generated client key, and per session a fresh process (`bash -lc <command>`, a login shell, or
 * OpenSSH's `sftp-server`) in the workspace's sandbox. Closing a channel ends the process tree it started;
 * port forwarding, agent and X11 forwarding are refused.
 */
export class WorkspaceSshServer {
  readonly port: number;
  readonly #listener: net.Server;
  readonly #sockets: Set<net.Socket>;
  readonly #children: Set<ChildProcess>;
  #closing: Promise<void> | undefined;

  private constructor(
    listener: net.Server,
    port: number,
    sockets: Set<net.Socket>,
    children: Set<ChildProcess>,
  ) {
    this.#listener = listener;
    this.port = port;
    this.#sockets = sockets;
    this.#children = children;
  }

  /**
   * Starts listening.
   * @throws the listen error (e.g. EADDRINUSE).
   */
  static async listen(options: WorkspaceSshServerOptions): Promise<WorkspaceSshServer> {
    const allowed = ssh2.utils.parseKey(options.clientPublicKey);
    if (allowed instanceof Error) throw allowed;
    const children = new Set<ChildProcess>();
    const server = new ssh2.Server({ hostKeys: [options.hostKey] }, (connection) => {
      connection.on('error', (error) =>
        options.logger.debug(`workspace ssh connection: ${error.message}`),
      );
      connection.on('authentication', (context: AuthContext) => {
        if (
          context.method === 'publickey' &&
          context.username === options.user &&
          context.key.algo === allowed.type &&
          sameBytes(context.key.data, allowed.getPublicSSH()) &&
          // Without a signature the client only asks whether the key would do.
          (context.signature === undefined ||
            allowed.verify(context.blob ?? Buffer.alloc(0), context.signature, context.hashAlgo))
        ) {
          context.accept();
          return;
        }
        context.reject(['publickey']);
      });
      connection.on('ready', () => {
        connection.on('session', (accept) => {
          handleSession(accept(), options, children);
        });
      });
    });
    // Our own listener hands sockets to ssh2 (injectSocket), so close() can destroy them: a peer that
    // never closes its side must not hold the environment's shutdown.
    const sockets = new Set<net.Socket>();
    // Each command is several small request/reply packets; Nagle + delayed ACKs cost ~40 ms per stall.
    const listener = net.createServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      server.injectSocket(socket);
    });
    const port = await new Promise<number>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(options.port, options.host, () => {
        listener.off('error', reject);
        resolve((listener.address() as AddressInfo).port);
      });
    });
    return new WorkspaceSshServer(listener, port, sockets, children);
  }

  /** Stops accepting, kills every running session and drops every connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
      const running = [...this.#children];
      for (const child of running) killTree(child.pid, 'SIGTERM');
      if (running.length > 0) {
        // A short grace for EXIT traps; the serving process may exit right after this.
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const child of running) killTree(child.pid, 'SIGKILL');
      }
      for (const socket of this.#sockets) socket.destroy();
      await closed;
    })();
    return this.#closing;
  }
}

function handleSession(
  session: Session,
  options: WorkspaceSshServerOptions,
  children: Set<ChildProcess>,
): void {
  let pty: SessionPty | undefined;
  const env: Record<string, string> = {};
  let child: ChildProcess | undefined;

  session.on('pty', (accept, _reject, info) => {
    pty = { term: info.term, cols: info.cols, rows: info.rows };
    accept?.();
  });
  // The window size is fixed at start: `script` gives no handle to resize the terminal later.
  session.on('window-change', (accept) => accept?.());
  session.on('env', (accept, reject, info) => {
    if (ENV_NAME.test(info.key) && !info.key.startsWith('HUD_')) {
      env[info.key] = info.val;
      accept?.();
    } else {
      reject?.();
    }
  });
  session.on('signal', (accept, _reject, info) => {
    const name = info.name.toUpperCase().replace(/^SIG/, '');
    const signal = `SIG${name}` as NodeJS.Signals;
    if (child !== undefined && constants.signals[signal] !== undefined) killTree(child.pid, signal);
    accept?.();
  });
  const run = (channel: ServerChannel, spec: SessionSpec) => {
    child = start(channel, spec, options, children);
  };
  session.on('exec', (accept, _reject, info) => run(accept(), { command: info.command, pty, env }));
  session.on('shell', (accept) => run(accept(), { pty, env }));
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== 'sftp' || options.sftpServer === undefined) {
      reject();
      return;
    }
    run(accept(), { command: options.sftpServer });
  });
}

function start(
  channel: ServerChannel,
  spec: SessionSpec,
  options: WorkspaceSshServerOptions,
  children: Set<ChildProcess>,
): ChildProcess | undefined {
  let child: ChildProcess;
  try {
    child = spawnSession(options.sandbox, spec, options.env);
  } catch (error) {
    // A launcher that throws fails this channel, as a program that cannot start does; the server stays.
    channel.stderr.write(`workspace: could not start the session: ${errorMessage(error)}\n`);
    channel.exit(127);
    channel.end();
    return undefined;
  }
  children.add(child);
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const { stdin, stdout, stderr } = child;
  // A process that exits without reading its input must not fail the session.
  stdin?.on('error', () => {});
  if (stdin) channel.pipe(stdin);
  stdout?.pipe(channel, { end: false });
  stderr?.pipe(channel.stderr, { end: false });
  // Background processes the command left behind would hold the output open: end them with it.
  child.on('exit', () => terminateTree(child));
  channel.on('close', () => terminateTree(child));
  child.on('close', async (code, signal) => {
    children.delete(child);
    if (spawnError !== undefined) {
      channel.stderr.write(`workspace: could not start the session: ${spawnError.message}\n`);
    }
    await Promise.all([flushed(channel, channel), flushed(channel.stderr, channel)]);
    const name = signal?.replace(/^SIG/, '');
    if (spawnError !== undefined) channel.exit(127);
    else if (name !== undefined && SSH_SIGNALS.has(name)) channel.exit(name, false, '');
    else if (signal) channel.exit(128 + (constants.signals[signal] ?? 0));
    else channel.exit(code ?? 0);
    channel.end();
  });
  return child;
}
