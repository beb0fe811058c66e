import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CapabilityRecord } from '../capability.js';
import { processGroupAlive, WATCHDOG_SCRIPT, waitForGroupExit } from './browser-process.js';

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
const DEVTOOLS_LINE = /DevTools listening on (ws:\/\/[^\s]+)/;

/**
 * Headless Chromium with remote debugging on 127.0.0.1 and a fresh profile directory, published as a
 * `cdp/1.3` capability `http://127.0.0.1:<port>` (the DevTools HTTP endpoint: hud-python's `CDPClient` and
 * ours pick a page target from `/json`; browser-use reads `/json/version`).
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
  #stderrTail: string;
  #closing: Promise<void> | undefined;

  private constructor(init: {
    child: ChildProcess;
    browserWebSocketUrl: string;
    userDataDir: string;
    stderrTail: string;
  }) {
    this.#child = init.child;
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
   * Starts Chromium and waits until it announces its DevTools port.
   * @throws BrowserLaunchError `not_found` (no executable at the path), `exited_early` (it exited before
   *   announcing the port; `output` has its stderr), `not_ready` (no port within `startTimeoutMs`; killed).
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
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${userDataDir}`,
      `--window-size=${width},${height}`,
      ...(options.args ?? []),
      options.startUrl ?? 'about:blank',
    ];
    const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'hud-chromium', executable, ...flags], {
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: chromiumEnv(),
    });
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    let output = '';
    try {
      const browserWebSocketUrl = await new Promise<string>((resolve, reject) => {
        const fail = (error: BrowserLaunchError) => {
          cleanup();
          reject(error);
        };
        const onData = (chunk: Buffer) => {
          output = (output + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
          const match = DEVTOOLS_LINE.exec(output);
          if (match?.[1]) {
            cleanup();
            resolve(match[1]);
          }
        };
        const onEnd = () =>
          fail(
            new BrowserLaunchError(
              'exited_early',
              `Chromium (${executable}) exited before announcing its DevTools port:\n${output.trim()}`,
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
                `Chromium (${executable}) did not announce its DevTools port within ${timeoutMs} ms:\n${output.trim()}`,
                { output },
              ),
            ),
          timeoutMs,
        );
        const cleanup = () => {
          clearTimeout(timer);
          child.stderr?.off('data', onData);
          child.stderr?.off('end', onEnd);
          child.off('error', onError);
        };
        child.stderr?.on('data', onData);
        child.stderr?.once('end', onEnd);
        child.once('error', onError);
      });
      return new ChromiumBrowser({ child, browserWebSocketUrl, userDataDir, stderrTail: output });
    } catch (error) {
      await stopGroup(child);
      await removeDir(userDataDir);
      throw error;
    }
  }

  /** The capability record to publish: `{name, protocol: 'cdp/1.3', url: 'http://127.0.0.1:<port>', params: {}}`. */
  capability(name = 'browser'): CapabilityRecord {
    return { name, protocol: CDP_PROTOCOL, url: this.url, params: {} };
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
      await stopGroup(this.#child);
      await removeDir(this.userDataDir);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
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
