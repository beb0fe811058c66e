// The options of DockerRuntime and the container records it lists: types only, shared by the runtime, its
// pool and the container plan without an import cycle between them.
import type { HudLogger, JsonObject, TaskRow } from '@hud/protocol';
import type Docker from 'dockerode';

/** Options of {@link DockerRuntime}. */
export interface DockerRuntimeOptions {
  /** The control port the image's CMD serves on (default 8765, hud-python's). */
  port?: number;
  /** Environment variables of every container (`docker run --env K=V`). */
  envVars?: Readonly<Record<string, string>>;
  /**
   * The provider's own `runtime_config`; each task's is laid over it section by section (hud-python
   * `with_overrides`).
   */
  runtimeConfig?: JsonObject;
  /**
   * The image of a task whose `runtime_config` names none (e.g. the image `hud build` recorded for the
   * task's environment). Ignored when the provider was given an image.
   */
  imageFor?: (task: TaskRow) => string | undefined;
  /**
   * Give containers a network (default true). `false` runs them with `NetworkMode: 'none'`: no egress at
   * all, and, since the engine publishes no ports then, the control port is reached through `docker exec`
   * (a `node` bridge per connection, tens of ms each; the image needs `node` on its PATH).
   */
  network?: boolean;
  /** Apply the seccomp profile and security options of hud-python (default true; see `SECURITY_OPTS`). */
  seccomp?: boolean;
  /** Pull an image that is missing locally (default true, as `docker run` does). */
  pull?: boolean;
  /**
   * How long a container's control port may take to answer `hello`, ms. A task's
   * `limits.startup_timeout_s` wins. Default 120 000.
   */
  readyTimeoutMs?: number;
  /**
   * The `hud.job` label: the job id, or a function read at each acquisition (the CLI learns the id when the
   * job starts). Default: an id of this provider.
   */
  job?: string | (() => string | undefined);
  /** Extra labels on every container. */
  labels?: Readonly<Record<string, string>>;
  /**
   * Containers kept created, started and answering `hello` ahead of demand (default 0), for the
   * configuration (image, `runtime_config`) acquired last: the pool starts filling on the first
   * acquisition or {@link DockerProvider.warm}, and an acquisition takes a pooled container when one
   * matches, then tops the pool up again. Each container still serves exactly one rollout. Pooled
   * containers carry the same labels as the others (without `hud.task`: no task is known yet), so they are
   * reaped alike, and close() removes them; those created under another `job` are discarded.
   */
  prewarm?: number;
  /** The engine (default `new Docker()`: `DOCKER_HOST`, else /var/run/docker.sock). */
  docker?: Docker;
  /** Diagnostics (creations, removals); default silent. */
  logger?: HudLogger;
}

/** A container of a {@link DockerProvider}, as {@link DockerProvider.containers} lists it. */
export interface DockerContainerInfo {
  /** Full container id. */
  readonly id: string;
  readonly image: string;
  /** The task it serves; undefined for a pooled container not yet leased. */
  readonly slug: string | undefined;
  /**
   * `starting` (not yet answering `hello`), `ready` (pooled, waiting for an acquisition), `leased`, or
   * `removing` (released; its removal runs in the background).
   */
  readonly state: 'starting' | 'ready' | 'leased' | 'removing';
  /** Started ahead of need (see `prewarm`) rather than for a waiting acquisition. */
  readonly prewarmed: boolean;
}
