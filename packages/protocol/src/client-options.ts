/**
 * A minimal logger the client writes diagnostics to (pino, `console` and most loggers fit). Libraries never
 * print: without a logger the client is silent.
 */
export interface HudLogger {
  debug(message: string): void;
  warn(message: string): void;
}

/** Where a control channel listens: the TCP host and port that tunnel connections are opened to. */
export interface ControlEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link HudClient.fromSocket}. */
export interface HudClientOptions {
  /**
   * The control endpoint the socket is connected to. With it, `hello()` starts a loopback forwarder per
   * binding (spec §2.7); without it, bindings are returned unrouted (hud-python `endpoint=None`).
   */
  endpoint?: ControlEndpoint;
  /** Largest reply line accepted, in bytes before the newline. Default 64 MiB (hud-python: 64 KiB). */
  maxFrameBytes?: number;
  /** Receives `debug`/`warn` diagnostics (tunnel refusals, heartbeat failures). */
  logger?: HudLogger;
  /**
   * The server's shared secret (hud-ts `hud serve --token` / `HUD_SERVE_TOKEN`), sent as `params.token` in
   * every `hello` and in the `tunnel.open` of each forwarded capability stream. Default: none, and then
   * nothing extra is sent (hud-python has no token). Never logged.
   */
  token?: string;
}

/** Options of {@link HudClient.connect}. */
export interface ConnectOptions extends Omit<HudClientOptions, 'endpoint'> {
  /**
   * How long to keep retrying connect + `hello`, in ms. Default 240 000 (hud-python `ready_timeout=240.0`).
   * A runtime's `params.ready_timeout` (seconds) overrides it, as in hud-python.
   */
  readyTimeoutMs?: number;
  /** Pause between readiness attempts, in ms. Default 500. */
  retryIntervalMs?: number;
  /** Heartbeat period, in ms; `0` disables the heartbeat. Default 120 000 (spec §2.4). */
  heartbeatIntervalMs?: number;
  /** How long a heartbeat waits for its reply, in ms. Default 5 000 (spec §2.4). */
  heartbeatTimeoutMs?: number;
  /** Aborts the readiness loop; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Per-call options. */
export interface CallOptions {
  /**
   * How long to wait for the reply, in ms (default: no limit). On expiry the call rejects with HudError
   * `timeout` and the connection is aborted, since a late reply would desynchronise the channel.
   */
  timeoutMs?: number;
}

/** Defaults of the client, from hud-python 0.6.16 (spec §2.4, §2.7, §2.8 and Appendix B). */
export const ClientDefaults = {
  /** `connect` readiness deadline, ms. */
  readyTimeoutMs: 240_000,
  /** Pause between readiness attempts, ms. */
  retryIntervalMs: 500,
  /** Heartbeat period, ms. */
  heartbeatIntervalMs: 120_000,
  /** Heartbeat reply timeout, ms. */
  heartbeatTimeoutMs: 5_000,
  /** Attempts to connect a protocol client in `open()`. */
  capabilityConnectAttempts: 3,
  /** First backoff between those attempts, ms (doubles each time). */
  capabilityConnectBaseDelayMs: 250,
} as const;

/** The `protocol_version` hud-python's `Manifest` carries; client-side only, never sent on the wire. */
export const HUD_PROTOCOL_VERSION = 'hud/1.0';
