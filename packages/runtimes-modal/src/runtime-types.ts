// Options of ModalRuntime: types only.
import type { HudLogger, JsonObject, TaskRow } from '@hud/protocol';
import type { ModalClient } from 'modal';
import type { RetryOptions } from './vendor-call.js';

/** Options of {@link ModalRuntime}. Credentials left unset fall to the Modal SDK's profile (~/.modal.toml). */
export interface ModalRuntimeOptions {
  /** `MODAL_TOKEN_ID`. Never logged. */
  tokenId?: string;
  /** `MODAL_TOKEN_SECRET`. Never logged. */
  tokenSecret?: string;
  /** The Modal environment (`MODAL_ENVIRONMENT`). */
  environment?: string;
  /**
   * A ready client instead of one made from the options above (Modal's own tests inject one built over a
   * fake control-plane client: `new ModalClient({ cpClient })`). Not closed by the runtime.
   */
  client?: ModalClient;
  /** The app sandboxes run under, created if missing (default `hud-envs`, hud-python's). */
  appName?: string;
  /** The image every task runs: a registry reference, or `modal://<image id>`. */
  image?: string;
  /** The image of a task whose `runtime_config.image` names none. Ignored with `image`. */
  imageFor?: (task: TaskRow) => string | undefined;
  /** The control port the environment serves on inside the sandbox (default 8765). */
  port?: number;
  /** The sandbox's command (default: the image's CMD, which `hud build` images make serve the port). */
  command?: readonly string[];
  /** Environment variables of every sandbox. Never logged. */
  envVars?: Readonly<Record<string, string>>;
  /** The provider's own `runtime_config`; each task's is laid over it section by section. */
  runtimeConfig?: JsonObject;
  /** How long the control port may take to answer `hello`, ms (default 600 000, hud-python's); `limits.startup_timeout_s` wins. */
  readyTimeoutMs?: number;
  /** The `hud.job` tag: the job id, or a function read at each acquisition. Default: an id of this provider. */
  job?: string | (() => string | undefined);
  /** Extra tags on every sandbox. */
  labels?: Readonly<Record<string, string>>;
  /** Retries of RESOURCE_EXHAUSTED/UNAVAILABLE/INTERNAL failures of Modal calls. */
  retry?: RetryOptions;
  /** Diagnostics (creations, terminations); default silent. */
  logger?: HudLogger;
}
