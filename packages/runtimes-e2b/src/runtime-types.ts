// Options of E2BRuntime: types only, shared by the runtime and its lease.
import type { HudLogger, JsonObject, TaskRow } from '@hud/protocol';
import type { RetryOptions } from './vendor-call.js';

/** Options of {@link E2BRuntime}. Connection settings left unset fall to the E2B SDK's own defaults. */
export interface E2BRuntimeOptions {
  /** The E2B API key (`E2B_API_KEY`). Never logged. */
  apiKey?: string;
  /** The E2B control plane (`E2B_API_URL`; default `https://api.<domain>`). */
  apiUrl?: string;
  /** The E2B domain (`E2B_DOMAIN`; default `e2b.app`): sandbox hosts are `<port>-<id>.<domain>`. */
  domain?: string;
  /**
   * One URL for all sandbox traffic (`E2B_SANDBOX_URL`), routed by the `E2b-Sandbox-Id` and
   * `E2b-Sandbox-Port` headers: the SDK sends its envd calls there, and this runtime its control-port
   * WebSockets (`http` → `ws`, `https` → `wss`).
   */
  sandboxUrl?: string;
  /** The template every task runs (an E2B template built from the environment's image). */
  template?: string;
  /** The template of a task whose `runtime_config.image` names none. Ignored with `template`. */
  templateFor?: (task: TaskRow) => string | undefined;
  /** The control port the environment serves on inside the sandbox (default 8765). */
  port?: number;
  /** The sandbox port the WebSocket bridge listens on (default 8766). */
  bridgePort?: number;
  /**
   * A command that serves the environment, run in the background in each sandbox (through `bash -l -c`),
   * e.g. `node /app/server.mjs`. Default: none — the template's start command serves it.
   */
  command?: string;
  /** Environment variables of every sandbox. Never logged. */
  envVars?: Readonly<Record<string, string>>;
  /** The provider's own `runtime_config`; each task's is laid over it section by section. */
  runtimeConfig?: JsonObject;
  /** How long the control port may take to answer `hello`, ms (default 300 000); `limits.startup_timeout_s` wins. */
  readyTimeoutMs?: number;
  /** The sandbox lifetime when a task sets no `limits.run_timeout_s`, ms (default 3 600 000). */
  defaultTimeoutMs?: number;
  /** The `hud.job` metadata: the job id, or a function read at each acquisition. Default: an id of this provider. */
  job?: string | (() => string | undefined);
  /** Extra metadata on every sandbox. */
  labels?: Readonly<Record<string, string>>;
  /** Retries of 429/5xx/network failures of E2B calls. */
  retry?: RetryOptions;
  /** Diagnostics (creations, kills, ignored resources); default silent. */
  logger?: HudLogger;
}
