import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClientChannel, ConnectConfig, Client as Ssh2Client } from 'ssh2';
import ssh2 from 'ssh2';
import { parseBindingUrl } from '../binding-url.js';
import { CappedOutput } from '../capped-output.js';
import type { HudLogger } from '../client-options.js';
import { exitStatus, watchCommand } from '../command-watch.js';
import { HudError } from '../errors.js';
import type { ProtocolClient } from '../protocol-clients.js';
import type { Capability } from '../schemas.js';
import {
  DEFAULT_SSH_MAX_OUTPUT_BYTES,
  SshCommandError,
  type SshExecOptions,
  type SshExecResult,
  shellQuote,
} from './ssh-options.js';

/** An `ssh/2` binding as {@link SshClient.connect} takes it: a manifest entry or a `CapabilityRecord`. */
export type SshBinding = Pick<Capability, 'name' | 'protocol' | 'url'> & {
  params?: Readonly<Record<string, unknown>>;
};

/** Options of {@link SshClient.connect}. */
export interface SshConnectOptions {
  logger?: HudLogger;
  /** Handshake and authentication limit, ms (default 20 000). */
  readyTimeoutMs?: number;
  /**
   * Skip the host key check when the binding publishes no `host_pubkey` (hud-python never checks). Default
   * false: such a binding is refused.
   */
  allowUnverifiedHost?: boolean;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function endpoint(binding: Capability): { host: string; port: number } {
  const url = parseBindingUrl(binding);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 22 };
}

/** The key blob of an OpenSSH public key line (`ssh-ed25519 AAAA… [comment]`). */
function publicKeyBlob(line: string): Buffer | undefined {
  const base64 = line.trim().split(/\s+/)[1];
  return base64 ? Buffer.from(base64, 'base64') : undefined;
}

/**
 * A client for an `ssh/2` shell workspace (hud-python 0.6.16 `SSHClient`, spec §3.2): connects with the
 * binding's `client_key` as `params.user`, checks the server's host key against `params.host_pubkey`
 * (hud-python does not), and runs commands, each in a fresh login shell on the server. File helpers go
 * through commands (`cat`, `ls`), so they work against Python-served workspaces too.
 * Usually obtained with `HudClient.open('shell')`; the HudClient then closes it.
 * @example
 * const shell = await client.open<SshClient>('shell');
 * const { stdout, exitCode } = await shell.exec('node --test', { timeoutMs: 60_000 });
 */
export class SshClient implements ProtocolClient {
  /** The binding this client is connected to (URL already routed through the local forwarder). */
  readonly binding: Capability;
  /** The workspace directory commands start in (`params.cwd`), when the binding names one. */
  readonly cwd: string | undefined;
  readonly #config: ConnectConfig;
  readonly #logger: HudLogger | undefined;
  #connection: Promise<Ssh2Client> | undefined;
  #closed = false;

  private constructor(binding: Capability, config: ConnectConfig, logger: HudLogger | undefined) {
    this.binding = binding;
    this.cwd = typeof binding.params.cwd === 'string' ? binding.params.cwd : undefined;
    this.#config = config;
    this.#logger = logger;
  }

  /**
   * Connects to `binding` (an `ssh/2` capability whose URL reaches the server, e.g. a forwarded one).
   * @throws HudError `invalid_argument` when the binding has no key, the host key differs from
   *   `host_pubkey` or the server refuses the key; `timeout` when the handshake takes too long; socket errors
   *   (`ECONNREFUSED`, `ECONNRESET`) as they are, so `HudClient.open` retries them.
   */
  static async connect(record: SshBinding, options: SshConnectOptions = {}): Promise<SshClient> {
    const params = { ...record.params };
    const binding: Capability = {
      name: record.name,
      protocol: record.protocol,
      url: record.url,
      params,
    };
    const { host, port } = endpoint(binding);
    let privateKey: string | undefined;
    if (typeof params.client_key === 'string' && params.client_key !== '') {
      privateKey = params.client_key;
    } else if (typeof params.client_key_path === 'string' && params.client_key_path !== '') {
      privateKey = await readFile(params.client_key_path, 'utf8');
    }
    if (privateKey === undefined) {
      throw new HudError(
        'invalid_argument',
        `capability '${binding.name}' has neither client_key nor client_key_path`,
      );
    }
    const expected =
      typeof params.host_pubkey === 'string' ? publicKeyBlob(params.host_pubkey) : undefined;
    if (expected === undefined && options.allowUnverifiedHost !== true) {
      throw new HudError(
        'invalid_argument',
        `capability '${binding.name}' publishes no host_pubkey, so the server cannot be verified (pass allowUnverifiedHost to connect anyway)`,
      );
    }
    const config: ConnectConfig = {
      host,
      port,
      username: typeof params.user === 'string' && params.user !== '' ? params.user : 'agent',
      privateKey,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      // hud-python: keepalive 15 s × 4.
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      hostVerifier: (key: Buffer) =>
        expected === undefined ||
        (key.length === expected.length && timingSafeEqual(key, expected)),
    };
    const client = new SshClient(binding, config, options.logger);
    await client.#connect();
    return client;
  }

  #connect(): Promise<Ssh2Client> {
    const connection = new Promise<Ssh2Client>((resolve, reject) => {
      const ssh = new ssh2.Client();
      let ready = false;
      ssh.once('ready', () => {
        ready = true;
        resolve(ssh);
      });
      ssh.on('error', (error: Error & { level?: string }) => {
        if (!ready) {
          reject(this.#connectError(error));
          return;
        }
        this.#logger?.debug(`ssh connection to ${this.binding.name} failed: ${error.message}`);
      });
      ssh.once('close', () => {
        if (!ready)
          reject(
            new HudError(
              'connection_closed',
              `ssh server of '${this.binding.name}' closed the connection during the handshake`,
            ),
          );
        if (this.#connection === connection) this.#connection = undefined;
      });
      ssh.connect(this.#config);
      // Each command is several small request/reply packets; Nagle + delayed ACKs cost ~40 ms per stall.
      ssh.setNoDelay(true);
    });
    this.#connection = connection;
    connection.catch(() => {
      if (this.#connection === connection) this.#connection = undefined;
    });
    return connection;
  }

  #connectError(error: Error & { level?: string }): Error {
    const where = `'${this.binding.name}' at ${this.#config.host}:${this.#config.port}`;
    if (/verification failed/i.test(error.message)) {
      return new HudError(
        'invalid_argument',
        `ssh host key mismatch for ${where}: the server's key is not the binding's host_pubkey; refusing to connect`,
        { cause: error },
      );
    }
    if (error.level === 'client-authentication') {
      return new HudError(
        'invalid_argument',
        `ssh server ${where} refused the client key for user '${this.#config.username}'`,
        { cause: error },
      );
    }
    if (error.level === 'client-timeout') {
      return new HudError('timeout', `ssh handshake with ${where} timed out`, { cause: error });
    }
    return error;
  }

  async #ssh(): Promise<Ssh2Client> {
    if (this.#closed) throw new HudError('connection_closed', 'SshClient is closed');
    // hud-python reconnects when the transport closed; one attempt here, HudClient.open retries the first.
    return this.#connection ?? this.#connect();
  }

  /**
   * Runs `command` in a fresh login shell (`bash -lc`) on the server, in the workspace directory.
   * Never rejects for a non-zero exit or a timeout (see {@link SshExecResult}).
   * @throws HudError `invalid_argument` for a bad `env` name; `connection_closed` after `close()`;
   *   connection errors; `signal.reason` when aborted (the remote command is killed).
   */
  async exec(command: string, options: SshExecOptions = {}): Promise<SshExecResult> {
    options.signal?.throwIfAborted();
    let script = command;
    if (options.cwd !== undefined) script = `cd -- ${shellQuote(options.cwd)} && ${script}`;
    for (const [name, value] of Object.entries(options.env ?? {}).reverse()) {
      if (!ENV_NAME.test(name)) {
        throw new HudError('invalid_argument', `invalid environment variable name: ${name}`);
      }
      script = `export ${name}=${shellQuote(value)}\n${script}`;
    }
    const ssh = await this.#ssh();
    const pty =
      options.pty === true
        ? { term: 'xterm-256color', cols: 80, rows: 24 }
        : options.pty || undefined;
    return new Promise<SshExecResult>((resolve, reject) => {
      ssh.exec(script, pty ? { pty } : {}, (error, channel) => {
        // Listen at once: the exit status may arrive in the same packet batch as the reply.
        if (error) reject(error);
        else collect(channel, options).then(resolve, reject);
      });
    });
  }

  /**
   * The text of the file at `path` (`cat -- <path>`; relative paths start in the workspace directory).
   * @throws SshCommandError when `cat` fails (missing file, a directory, no permission).
   */
  async readText(path: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const command = `cat -- ${shellQuote(path)}`;
    const result = await this.exec(command, { signal: options.signal, maxOutputBytes: Infinity });
    if (result.exitCode !== 0) throw new SshCommandError(command, result);
    return result.stdout;
  }

  /**
   * Writes `text` to `path`, replacing it (`cat > <path>`; the parent directory must exist).
   * @throws SshCommandError when the write fails.
   */
  async writeText(
    path: string,
    text: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const command = `cat > ${shellQuote(path)}`;
    const result = await this.exec(command, { input: text, signal: options.signal });
    if (result.exitCode !== 0) throw new SshCommandError(command, result);
  }

  /**
   * The names in directory `path`, sorted, without `.` and `..` (`ls -1A`, as hud-python).
   * @throws SshCommandError when `ls` fails.
   */
  async listdir(path: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const command = `ls -1A -- ${shellQuote(path)}`;
    const result = await this.exec(command, { signal: options.signal, maxOutputBytes: Infinity });
    if (result.exitCode !== 0) throw new SshCommandError(command, result);
    return result.stdout
      .split('\n')
      .filter((name) => name !== '' && name !== '.' && name !== '..')
      .sort();
  }

  /** Closes the connection (running commands are killed by the server). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#connection;
    this.#connection = undefined;
    if (pending === undefined) return;
    const ssh = await pending.catch(() => undefined);
    if (ssh === undefined) return;
    await new Promise<void>((resolve) => {
      ssh.once('close', () => resolve());
      ssh.end();
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function collect(stream: ClientChannel, options: SshExecOptions): Promise<SshExecResult> {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_SSH_MAX_OUTPUT_BYTES;
  const stdout = new CappedOutput(maxBytes);
  const stderr = new CappedOutput(maxBytes);
  return new Promise<SshExecResult>((resolve, reject) => {
    let exitCode: number | null = null;
    const kill = () => {
      // Best effort (servers may refuse requests after our EOF): closing the channel is what makes a
      // hud-ts workspace end the command's process tree.
      try {
        stream.signal('TERM');
      } catch {
        // The channel is already closing.
      }
      stream.close();
    };
    // An abort may have come while the server was still confirming the channel: watchCommand kills at once.
    const watch = watchCommand(kill, options);
    stream.on('data', (chunk: Buffer) => stdout.push(chunk));
    stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    stream.once('error', (error: Error) => {
      watch.done();
      reject(error);
    });
    stream.on('exit', (code: number | null, signal?: string) => {
      exitCode = exitStatus(code, signal);
    });
    stream.once('close', () => {
      watch.done();
      if (options.signal?.aborted) {
        reject(options.signal.reason);
        return;
      }
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: watch.timedOut ? null : exitCode,
        timedOut: watch.timedOut,
      });
    });
    stream.end(options.input === undefined ? undefined : Buffer.from(options.input));
  });
}
