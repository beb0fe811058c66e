import { pipeline } from 'node:stream';
import { LoopbackServer } from '@hud/protocol';
import { Client } from 'ssh2';

const noop = () => {};

/** Where and as whom to open the SSH session (Daytona's gateway: the access token is the user name). */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  /** The SSH access token (never logged). */
  readonly username: string;
}

/**
 * The `host` and `port` of Daytona's `sshCommand` (`ssh [-p <port>] <token>@<host>`), or undefined when
 * the command has another shape.
 */
export function sshEndpoint(command: string): { host: string; port: number } | undefined {
  const match = /(?:^|\s)-p\s+(\d+)(?:\s|$)/.exec(command);
  const at = /\S+@(\[[^\]]+\]|[^\s:]+)/.exec(command);
  if (!at?.[1]) return undefined;
  return { host: at[1].replace(/^\[|\]$/g, ''), port: match ? Number(match[1]) : 22 };
}

/**
 * An SSH local forward (`ssh -L 127.0.0.1:0:127.0.0.1:<port>`, hud-python's Daytona runtime): one SSH
 * session to the gateway, a listener on `127.0.0.1:0`, and a `direct-tcpip` channel to `127.0.0.1:<port>`
 * inside the sandbox per accepted connection. The gateway's host key is not checked (hud-python's
 * `known_hosts=None`): the token authenticates the sandbox, not the other way round.
 */
export class SshForward {
  readonly #client: Client;
  readonly #listener: LoopbackServer;
  #closing: Promise<void> | undefined;

  private constructor(client: Client, listener: LoopbackServer) {
    this.#client = client;
    this.#listener = listener;
  }

  /** The local port. */
  get port(): number {
    return this.#listener.port;
  }

  /**
   * Opens the SSH session and the listener.
   * @param onClose called once when the SSH session ends (not after {@link close}).
   * @throws the SSH client's error (refused, authentication failed) when the session cannot open.
   */
  static async open(
    target: SshTarget,
    remotePort: number,
    options: { readyTimeoutMs?: number; onClose?: (reason: string) => void } = {},
  ): Promise<SshForward> {
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => {
        client.off('error', reject);
        resolve();
      });
      client.once('error', reject);
      client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        readyTimeout: options.readyTimeoutMs ?? 30_000,
        keepaliveInterval: 15_000,
        hostVerifier: () => true,
      });
    });
    let forward: SshForward | undefined;
    client.on('error', noop);
    client.once('close', () => {
      if (forward && !forward.#closing) options.onClose?.('the SSH session to the sandbox closed');
    });
    const listener = await LoopbackServer.listen((socket) => {
      socket.on('error', noop);
      client.forwardOut('127.0.0.1', 0, '127.0.0.1', remotePort, (error, channel) => {
        if (error) {
          socket.destroy();
          return;
        }
        channel.on('error', noop);
        pipeline(socket, channel, noop);
        pipeline(channel, socket, noop);
      });
    });
    forward = new SshForward(client, listener);
    return forward;
  }

  /** Stops listening, drops the forwarded connections and ends the SSH session. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#listener.close();
      this.#client.end();
    })();
    return this.#closing;
  }
}
