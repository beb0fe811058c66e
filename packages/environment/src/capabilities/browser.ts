import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { CapabilityRecord } from '../capability.js';
import { processGroupAlive, WATCHDOG_SCRIPT, waitForGroupExit } from './browser-process.js';
import type { CdpFront } from './cdp-front.js';
import { markProtected, protectionByDefault } from './endpoint-protection.js';
import { canCheckPeerProcess, connectedFromThisProcess } from './same-process-peer.js';

/** The protocol id browser capabilities publish (hud-python `Capability.cdp`). */
export const CDP_PROTOCOL = 'cdp/1.3';

/** Default Chromium binary: Debian's `chromium` package. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Options of `env.browser()` and {@link ChromiumBrowser.launch}. */
export interface BrowserOptions {
  /** Capability name (default `browser`, hud-python's default). */
  name?: string;
  /** The Chromium (or Chrome) binary (default `/usr/bin/chromium`). */
  executablePath?: string;
  /** Extra command-line flags, after hud's own (a later flag overrides an earlier one). */
  args?: readonly string[];
  /** The page the first tab opens (default `about:blank`). */
  startUrl?: string;
  /** Window size in CSS pixels, which is also the screenshot size (default 1280 × 800). */
  windowSize?: { width: number; height: number };
  /** How long Chromium may take to announce its DevTools port, ms (default 30 000). */
  startTimeoutMs?: number;
  /**
   * Serve the DevTools only to this process (Linux): Chromium speaks CDP on a pipe
   * (`--remote-debugging-pipe`) instead of a port, and a front in this process serves its HTTP and
   * WebSocket endpoints on 127.0.0.1, refusing (403) any connection another process opens — the control
   * channel's `tunnel.open` and the environment's own code get through, nothing else does. Default: on when
   * the environment is served with a token (`serve(env, {token})`, `hud serve --token`), so that the port
   * is no way around the token; off otherwise (Chromium's own port, as hud-python). Ignored elsewhere
   * than Linux (the server then names the unprotected capability in a warning).
   */
  protect?: boolean;
}

/** Why {@link ChromiumBrowser.launch} failed. */
export type BrowserLaunchErrorCode = 'not_found' | 'exited_early' | 'not_ready';

/** Chromium could not be started; `output` holds the end of its stderr. */
export class BrowserLaunchError extends Error {
  readonly code: BrowserLaunchErrorCode;
  readonly output: string;
  constructor(
    code: BrowserLaunchErrorCode,
    message: string,
    options: ErrorOptions & { output?: string } = {},
  ) {
    super(message, options);
    this.name = 'BrowserLaunchError';
    this.code = code;
    this.output = options.output ?? '';
  }
}

const STDERR_TAIL_BYTES = 8 * 1024;
/** Moves the pipe from fds 5 and 6 to Chromium's 3 and 4, then runs it (`$0` and the arguments). */
const PIPE_FDS_SCRIPT = 'exec 3<&5 4>&6 5<&- 6>&-; exec "$0" "$@"';
const DEVTOOLS_LINE = /DevTools listening on (ws:\/\/[^\s]+)/;

/**
 * Headless Chromium with remote debugging on 127.0.0.1 and a fresh profile directory, published as a
 * `cdp/1.3` capability `http://127.0.0.1:<port>` (the DevTools HTTP endpoint: hud-python's `CDPClient` and
 * ours pick a page target from `/json`; browser-use reads `/json/version`).
 *
 * Protected ({@link BrowserOptions.protect}, the default under a served token), Chromium has no port: it
 * speaks CDP on a pipe, and a {@link CdpFront} in this process serves the same endpoints to this process
 * only.
 *
 * Chromium runs in its own process group under a watchdog that kills the group when this process goes away
 * without {@link ChromiumBrowser.close} (a crash, SIGKILL), so browsers do not outlive their environment.
 */
export class ChromiumBrowser implements AsyncDisposable {
  /** DevTools HTTP endpoint, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The browser-level DevTools WebSocket (`ws://127.0.0.1:<port>/devtools/browser/<id>`). */
  readonly browserWebSocketUrl: string;
  readonly port: number;
  /** The process group Chromium runs in. */
  readonly pgid: number;
  /** The profile directory, removed on close. */
  readonly userDataDir: string;
  readonly #child: ChildProcess;
  readonly #front: CdpFront | undefined;
  #stderrTail: string;
  #closing: Promise<void> | undefined;

  private constructor(init: {
    child: ChildProcess;
    browserWebSocketUrl: string;
    userDataDir: string;
    stderrTail: string;
    front: CdpFront | undefined;
  }) {
    this.#child = init.child;
    this.#front = init.front;
    this.pgid = init.child.pid as number;
    this.browserWebSocketUrl = init.browserWebSocketUrl;
    const parsed = new URL(init.browserWebSocketUrl);
    this.port = Number(parsed.port);
    this.url = `http://${parsed.host}`;
    this.userDataDir = init.userDataDir;
    this.#stderrTail = init.stderrTail;
    init.child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
  }

  /**
   * Starts Chromium and waits until its DevTools answer: the port it announces, or (protected) the pipe.
   * @throws BrowserLaunchError `not_found` (no executable at the path), `exited_early` (it exited before
   *   its DevTools answered; `output` has its stderr), `not_ready` (no answer within `startTimeoutMs`;
   *   killed).
   */
  static async launch(options: BrowserOptions = {}): Promise<ChromiumBrowser> {
    const executable = options.executablePath ?? DEFAULT_CHROMIUM_PATH;
    try {
      await access(executable, constants.X_OK);
    } catch (cause) {
      throw new BrowserLaunchError(
        'not_found',
        `no Chromium at ${executable}: install it (Debian: apt-get install chromium) or pass executablePath`,
        { cause },
      );
    }
    const protect = (options.protect ?? protectionByDefault()) && canCheckPeerProcess;
    const userDataDir = await mkdtemp(path.join(tmpdir(), 'hud-chromium-'));
    const { width, height } = options.windowSize ?? { width: 1280, height: 800 };
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
      ...(protect
        ? ['--remote-debugging-pipe']
        : ['--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0']),
      `--user-data-dir=${userDataDir}`,
      `--window-size=${width},${height}`,
      ...(options.args ?? []),
      options.startUrl ?? 'about:blank',
    ];
    // The pipe is Chromium's fds 3 and 4, handed over as our fds 5 and 6: the watchdog keeps its own
    // fd 3, so a small shell moves them into place just before Chromium starts.
    const command = protect ? ['/bin/sh', '-c', PIPE_FDS_SCRIPT, executable] : [executable];
    const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'hud-chromium', ...command, ...flags], {
      detached: true,
      stdio: protect
        ? ['pipe', 'ignore', 'pipe', 'ignore', 'ignore', 'pipe', 'pipe']
        : ['pipe', 'ignore', 'pipe'],
      env: chromiumEnv(),
    });
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    let front: CdpFront | undefined;
    let output = '';
    const started = { executable, timeoutMs, onOutput: (tail: string) => (output = tail) };
    try {
      let browserWebSocketUrl: string;
      if (protect) {
        const { CdpFront } = await import('./cdp-front.js');
        const { CdpPipe } = await import('./cdp-pipe.js');
        const stdio = child.stdio as unknown as (Readable | Writable | null)[];
        const pipe = new CdpPipe(stdio[5] as Writable, stdio[6] as Readable);
        front = await CdpFront.start(pipe, {
          accept: connectedFromThisProcess,
          refusal:
            'this browser is served with a token: reach it through the control channel (tunnel.open)',
        });
        const opened = front;
        await waitForStart(child, { ...started, ready: opened.call('Browser.getVersion') });
        // The front must let this very process in (the tunnel connects from here): a /proc that hides
        // socket owners would lock everyone out, so find out now.
        const status = await selfProbe(`${opened.url}/json/version`);
        if (status !== 200) {
          throw new BrowserLaunchError(
            'not_ready',
            `the DevTools front refused this process (${status}): it cannot tell connection owners apart here (/proc/net/tcp, /proc/self/fd); pass protect: false to give Chromium an open DevTools port instead`,
          );
        }
        browserWebSocketUrl = opened.browserWebSocketUrl;
      } else {
        browserWebSocketUrl = await waitForStart(child, {
          ...started,
          fromOutput: (tail) => DEVTOOLS_LINE.exec(tail)?.[1],
        });
      }
      return new ChromiumBrowser({
        child,
        browserWebSocketUrl,
        userDataDir,
        stderrTail: output,
        front,
      });
    } catch (error) {
      await front?.close();
      await stopGroup(child);
      await removeDir(userDataDir);
      throw error;
    }
  }

  /** The capability record to publish: `{name, protocol: 'cdp/1.3', url: 'http://127.0.0.1:<port>', params: {}}`. */
  capability(name = 'browser'): CapabilityRecord {
    const record = { name, protocol: CDP_PROTOCOL, url: this.url, params: {} };
    return this.protected ? markProtected(record) : record;
  }

  /** Whether only this process reaches the DevTools (see {@link BrowserOptions.protect}). */
  get protected(): boolean {
    return this.#front !== undefined;
  }

  /** Whether any process of Chromium's group is still alive. */
  get running(): boolean {
    return processGroupAlive(this.pgid);
  }

  /** The end of Chromium's stderr (diagnostics). */
  get output(): string {
    return this.#stderrTail;
  }

  /**
   * Stops Chromium (SIGTERM, then SIGKILL to the whole process group after 5 s) and removes the profile
   * directory. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#front?.close();
      await stopGroup(this.#child);
      await removeDir(this.userDataDir);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The HTTP status of `GET url` from this process, on a fresh connection (or the error's text). */
function selfProbe(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', (error) => resolve(error.message));
  });
}

/**
 * Waits until Chromium is up: `fromOutput` finds what it announces on stderr, or `ready` resolves.
 * @throws BrowserLaunchError `exited_early` (its stderr ended first), `not_ready` (`timeoutMs` passed).
 */
function waitForStart(
  child: ChildProcess,
  options: {
    executable: string;
    timeoutMs: number;
    onOutput: (tail: string) => void;
    fromOutput?: (tail: string) => string | undefined;
    ready?: Promise<unknown>;
  },
): Promise<string> {
  const { executable, timeoutMs } = options;
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const fail = (error: BrowserLaunchError) => {
      cleanup();
      reject(error);
    };
    const succeed = (value: string) => {
      cleanup();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      options.onOutput(output);
      const found = options.fromOutput?.(output);
      if (found !== undefined) succeed(found);
    };
    const onEnd = () =>
      fail(
        new BrowserLaunchError(
          'exited_early',
          `Chromium (${executable}) exited before its DevTools answered:\n${output.trim()}`,
          { output },
        ),
      );
    const onError = (cause: Error) =>
      fail(
        new BrowserLaunchError('exited_early', `could not start Chromium: ${cause.message}`, {
          cause,
          output,
        }),
      );
    const timer = setTimeout(
      () =>
        fail(
          new BrowserLaunchError(
            'not_ready',
            `Chromium (${executable}) did not answer on its DevTools within ${timeoutMs} ms:\n${output.trim()}`,
            { output },
          ),
        ),
      timeoutMs,
    );
    let settled = false;
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stderr?.off('end', onEnd);
      child.off('error', onError);
    };
    child.stderr?.on('data', onData);
    child.stderr?.once('end', onEnd);
    child.once('error', onError);
    options.ready?.then(
      () => {
        if (!settled) succeed('');
      },
      () => undefined, // the pipe closing means Chromium exited: its stderr's end reports it
    );
  });
}

/**
 * Chromium's environment. It puts its singleton socket at `$TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket`
 * and aborts ("Socket path too long") past the 107-byte limit of a Unix socket path; a long TMPDIR (deep
 * test scratch directories) falls back to /tmp.
 */
function chromiumEnv(): NodeJS.ProcessEnv {
  const temporary = tmpdir();
  const socketPath = path.join(temporary, 'org.chromium.Chromium.XXXXXX', 'SingletonSocket');
  if (Buffer.byteLength(socketPath) <= 100) return process.env;
  return { ...process.env, TMPDIR: '/tmp' };
}

/** Closes the watchdog's pipe (it stops Chromium), then SIGKILLs whatever is left of the group. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  child.stdin?.destroy();
  if (pgid === undefined) return;
  if (await waitForGroupExit(pgid, 5_000)) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await waitForGroupExit(pgid, 2_000);
}

/** Removes a profile directory; Chromium's last writes can race the first attempt. */
async function removeDir(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(
    () => {},
  );
}
