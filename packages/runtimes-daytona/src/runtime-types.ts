// Options of DaytonaRuntime: types only, shared by the runtime and its lease.
import type { HudLogger, JsonObject, TaskRow } from '@hud/protocol';
import type { RetryOptions } from './vendor-call.js';

/** Options of {@link DaytonaRuntime}. Connection settings left unset fall to the Daytona SDK's defaults. */
export interface DaytonaRuntimeOptions {
  /** The Daytona API key (`DAYTONA_API_KEY`). Never logged. */
  apiKey?: string;
  /** The Daytona API (`DAYTONA_API_URL`; default `https://app.daytona.io/api`). */
  apiUrl?: string;
  /** The Daytona target region (`DAYTONA_TARGET`). */
  target?: string;
  /** The image every task runs. */
  image?: string;
  /** The image of a task whose `runtime_config.image` names none. Ignored with `image`. */
  imageFor?: (task: TaskRow) => string | undefined;
  /** The control port the environment serves on inside the sandbox (default 8765). */
  port?: number;
  /**
   * The command that serves the environment, run in the background in a session of each sandbox
   * (Daytona replaces the image's CMD). Default `cd /app && node server.mjs` (what `hud build` images run).
   */
  command?: string;
  /**
   * The SSH gateway; default: the host and port of the `sshCommand` Daytona returns with each access
   * token (`ssh.app.daytona.io`, hud-python's `ssh_host`).
   */
  sshHost?: string;
  sshPort?: number;
  /** How long an SSH access token lives, minutes (default 1440, hud-python's). */
  sshExpiresMinutes?: number;
  /** Environment variables of every sandbox. Never logged. */
  envVars?: Readonly<Record<string, string>>;
  /** The provider's own `runtime_config`; each task's is laid over it section by section. */
  runtimeConfig?: JsonObject;
  /** How long the control port may take to answer `hello`, ms (default 300 000); `limits.startup_timeout_s` wins. */
  readyTimeoutMs?: number;
  /** How long `daytona.create` may take (building the image's snapshot included), s (default 600). */
  createTimeoutS?: number;
  /** The `hud.job` label: the job id, or a function read at each acquisition. Default: an id of this provider. */
  job?: string | (() => string | undefined);
  /** Extra labels on every sandbox. */
  labels?: Readonly<Record<string, string>>;
  /** Retries of 429/5xx/connection failures of Daytona calls. */
  retry?: RetryOptions;
  /** Diagnostics (creations, deletions); default silent. */
  logger?: HudLogger;
}
