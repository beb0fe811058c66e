import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { portOf } from './port.js';

/** One entry of a recorded transcript (see README.md next to the recordings). */
export interface TranscriptEntry {
  dir: 'c2s' | 's2c';
  conn: number;
  frame: unknown;
  wire?: string;
  raw?: boolean;
  b64?: string;
  event?: string;
  bytes?: number;
}

/** One recorded SDK call: what it returned, or what it raised. */
export interface SdkCall {
  call: string;
  returned?: unknown;
  raised?: string;
  message?: string;
  code?: number;
}

export interface Transcript {
  scenario: string;
  description: string;
  transcript: TranscriptEntry[];
  sdk_calls: SdkCall[];
}

/** Loads `__fixtures__/hud-python-0.6.16/<name>.json`. */
export function loadTranscript(name: string): Transcript {
  const url = new URL(`./hud-python-0.6.16/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Transcript;
}

export interface ScriptedServerOptions {
  transcript: Transcript;
  /** `[recorded, replacement]` substitutions applied to every s2c line written (e.g. binding URLs). */
  rewrites?: ReadonlyArray<readonly [string, string]>;
  /** The wire text of s2c frames the recording elided (no `wire`); checked against `bytes`. */
  synthesize?: (entry: TranscriptEntry) => string | undefined;
  /** Where a successful `tunnel.open` splices to, by capability name (loopback ports only). */
  tunnelTargets?: Readonly<Record<string, number>>;
}

interface Script {
  conn: number;
  entries: TranscriptEntry[];
  taken: boolean;
  done: boolean;
}

const describe = (entry: TranscriptEntry | undefined): string =>
  entry === undefined
    ? 'end of script'
    : `${entry.dir} ${entry.event ?? (entry.raw ? 'raw bytes' : (entry.wire ?? `<${entry.bytes} bytes>`))}`;

/**
 * Plays the server side of a recorded transcript on 127.0.0.1. Each accepted connection is matched to the
 * first unused recorded connection whose first client frame equals the one received; from then on every
 * client line must equal the next recorded c2s `wire` byte for byte, and the recorded s2c frames and EOFs
 * that follow it are written back. A successful `tunnel.open` reply switches the connection to a raw splice
 * to `tunnelTargets[capability]`, and the bytes the client sends through it are checked against the
 * recorded raw c2s bytes. Anything unexpected is added to `failures` and the connection is destroyed.
 */
export class ScriptedServer {
  readonly failures: string[] = [];
  /** Every client line received, in order, with its recorded connection number. */
  readonly received: { conn: number; wire: string }[] = [];
  readonly #server: Server;
  readonly #options: ScriptedServerOptions;
  readonly #scripts: Script[];
  readonly #sockets = new Set<Socket>();
  #onProgress: (() => boolean)[] = [];

  private constructor(server: Server, options: ScriptedServerOptions) {
    this.#server = server;
    this.#options = options;
    const conns = [...new Set(options.transcript.transcript.map((entry) => entry.conn))];
    this.#scripts = conns.map((conn) => ({
      conn,
      entries: options.transcript.transcript.filter(
        (entry) => entry.conn === conn && entry.event !== 'connect',
      ),
      taken: false,
      done: false,
    }));
  }

  static async start(options: ScriptedServerOptions): Promise<ScriptedServer> {
    const server = createServer({ allowHalfOpen: true });
    const scripted = new ScriptedServer(server, options);
    server.on('connection', (socket) => scripted.#accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return scripted;
  }

  get port(): number {
    return portOf(this.#server);
  }

  get url(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** Resolves once `count` client lines have been received (in total, over all connections). */
  waitForFrames(count: number): Promise<void> {
    return this.#until(() => this.received.length >= count);
  }

  /**
   * Resolves when every recorded connection has been played to its end; after `timeoutMs`, records which
   * ones did not and resolves anyway (the test then fails on `failures`).
   */
  async finished(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const done = this.#until(() => this.#scripts.every((script) => script.done)).then(() => false);
    if (await Promise.race([done, timedOut])) {
      for (const script of this.#scripts.filter((candidate) => !candidate.done)) {
        this.failures.push(
          `conn ${script.conn}: ${script.taken ? 'not played to its end' : 'never opened by the client'}`,
        );
      }
    }
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return false;
        resolve();
        return true;
      };
      this.#onProgress.push(check);
    });
  }

  #progress(): void {
    this.#onProgress = this.#onProgress.filter((check) => !check());
  }

  #fail(socket: Socket, message: string): void {
    this.failures.push(message);
    socket.destroy();
    this.#progress();
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    let script: Script | undefined;
    let position = 0;
    let pending = Buffer.alloc(0);
    let spliced = false;

    const skipResets = () => {
      while (script?.entries[position]?.event?.startsWith('error:')) position++;
    };
    const markDone = () => {
      if (script !== undefined && position >= script.entries.length) script.done = true;
      this.#progress();
    };
    // Writes the recorded s2c entries that follow, up to the next c2s entry.
    const serverTurn = () => {
      for (;;) {
        skipResets();
        const entry = script?.entries[position];
        if (entry === undefined || entry.dir === 'c2s') break;
        position++;
        if (entry.event === 'eof') {
          socket.end();
          continue;
        }
        const wire = entry.wire ?? this.#options.synthesize?.(entry);
        if (wire === undefined) {
          this.#fail(socket, `conn ${script?.conn}: cannot replay elided ${describe(entry)}`);
          return;
        }
        if (entry.bytes !== undefined && Buffer.byteLength(wire) + 1 !== entry.bytes) {
          this.#fail(socket, `conn ${script?.conn}: synthesized frame is not ${entry.bytes} bytes`);
          return;
        }
        let line = wire;
        for (const [from, to] of this.#options.rewrites ?? []) line = line.replaceAll(from, to);
        socket.write(`${line}\n`);
      }
      markDone();
    };

    const startSplice = (capability: string, rest: Buffer) => {
      const target = this.#options.tunnelTargets?.[capability];
      if (target === undefined || script === undefined) {
        this.#fail(socket, `no tunnel target for capability ${capability}`);
        return;
      }
      const current = script;
      spliced = true;
      socket.pause();
      const upstream = connect({ host: '127.0.0.1', port: target, allowHalfOpen: true });
      this.#sockets.add(upstream);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      upstream.once('connect', () => {
        // Reply only once the backend is connected, as hud's server does.
        const reply = current.entries[position];
        position++;
        socket.write(`${reply?.wire}\n`);
        const recorded = current.entries
          .filter((entry) => entry.dir === 'c2s' && entry.raw)
          .map((entry) =>
            entry.b64 === undefined
              ? Buffer.from(String(entry.frame))
              : Buffer.from(entry.b64, 'base64'),
          );
        const sent: Buffer[] = [rest];
        socket.on('data', (chunk: Buffer) => sent.push(chunk));
        if (rest.length > 0) upstream.write(rest);
        socket.pipe(upstream);
        upstream.pipe(socket);
        let closed = 0;
        const onClose = () => {
          if (++closed < 2) return;
          if (!Buffer.concat(sent).equals(Buffer.concat(recorded))) {
            this.failures.push(
              `conn ${current.conn}: tunnel bytes ${JSON.stringify(Buffer.concat(sent).toString())} != recorded ${JSON.stringify(Buffer.concat(recorded).toString())}`,
            );
          }
          const leftover = current.entries
            .slice(position)
            .filter((entry) => !entry.raw && entry.event !== 'eof' && !entry.event?.startsWith('error:'));
          if (leftover.length > 0) {
            this.failures.push(`conn ${current.conn}: tunnel ended before ${describe(leftover[0])}`);
          }
          position = current.entries.length;
          markDone();
        };
        socket.once('close', onClose);
        upstream.once('close', onClose);
      });
    };

    const onLine = (text: string, rest: () => Buffer): boolean => {
      if (script === undefined) {
        script = this.#scripts.find(
          (candidate) =>
            !candidate.taken &&
            candidate.entries.find((entry) => entry.dir === 'c2s')?.wire === text,
        );
        if (script === undefined) {
          this.#fail(socket, `unexpected connection; first frame: ${text}`);
          return false;
        }
        script.taken = true;
      }
      skipResets();
      const expected = script.entries[position];
      if (expected?.dir !== 'c2s' || expected.wire === undefined) {
        this.#fail(socket, `conn ${script.conn}: unexpected frame ${text}; expected ${describe(expected)}`);
        return false;
      }
      if (expected.wire !== text) {
        this.#fail(
          socket,
          `conn ${script.conn}: frame mismatch\n  sent:     ${text}\n  recorded: ${expected.wire}`,
        );
        return false;
      }
      position++;
      this.received.push({ conn: script.conn, wire: text });
      const reply = script.entries[position];
      const request = JSON.parse(text) as { method?: string; params?: { capability?: string } };
      if (
        request.method === 'tunnel.open' &&
        reply?.dir === 's2c' &&
        (reply.frame as { result?: unknown } | null)?.result !== undefined
      ) {
        startSplice(String(request.params?.capability), rest());
        return false;
      }
      serverTurn();
      return true;
    };

    socket.on('data', (chunk: Buffer) => {
      if (spliced) return;
      pending = Buffer.concat([pending, chunk]);
      for (let newline = pending.indexOf(0x0a); newline !== -1; newline = pending.indexOf(0x0a)) {
        const text = pending.subarray(0, newline).toString('utf8');
        pending = pending.subarray(newline + 1);
        if (!onLine(text, () => pending)) return;
      }
    });

    const onClientEnd = (how: string) => {
      if (spliced) return;
      if (script === undefined) {
        this.failures.push(`a connection ${how} before sending any frame`);
        this.#progress();
        return;
      }
      skipResets();
      const expected = script.entries[position];
      if (expected?.dir === 'c2s' && expected.event === 'eof') {
        position++;
        serverTurn();
      } else if (!script.done) {
        this.#fail(socket, `conn ${script.conn}: client ${how}; expected ${describe(expected)}`);
      }
    };
    socket.once('end', () => onClientEnd('closed the connection'));
    // A reset (e.g. the client closing with unread data, as in sdk_19) counts as the client's EOF.
    socket.once('error', (error) => {
      if (spliced) return;
      onClientEnd(`reset the connection (${error.message})`);
    });
  }
}

/** A loopback TCP echo server (the recordings' `echo` capability). */
export async function startEchoServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: portOf(server),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
