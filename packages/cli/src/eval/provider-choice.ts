import type { Logger } from '@hud/environment';
import type { Provider, TaskRow } from '@hud/protocol';
import type { ReapResult } from '@hud/runtimes-docker';
import { InProcessRuntime, LocalRuntime, resolveEnvSource, TcpRuntime } from '@hud/runtimes-local';
import { recordedImage } from '../docker/project.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { loadDockerRuntime, loadHarbor, loadHudRuntime } from '../optional-package.js';
import { platformUrls } from '../platform/urls.js';
import { fileTrackingEnabled, loadSettings } from '../settings.js';
import { isHarborRow } from './harbor-detect.js';
import { isVendorRuntime, vendorProvider } from './provider-vendors.js';

/** A provider the CLI created, with what to close when the job is done. */
export interface ChosenProvider {
  provider: Provider;
  label: string;
  close(): Promise<void>;
  /**
   * Present when some rollouts run in containers: removes the containers of earlier jobs whose hud process
   * is gone (`@hud/runtimes-docker` `reapOrphans`), to call before the job starts.
   */
  reapOrphans?: () => Promise<ReapResult>;
  /** What one rollout runs in, for the reaping line: `container` (default), `pod`, `sandbox`. */
  substrate?: string;
}

/** Whether a row names its own image (`runtime_config.image`): such rows run in Docker under `local`. */
/** Whether the row names its own image (`runtime_config.image`): it runs in a container. */
export const hasImage = (task: TaskRow) => typeof task.runtime_config?.image === 'string';

/**
 * The provider for `--runtime`: `local` (default; one child process per rollout serving the env file found
 * next to the tasks, with a prewarmed pool), `inprocess` (serve the env inside this process), or a
 * `tcp://host:port` of a running server. Under `local`, rows with `runtime_config.image` run in Docker;
 * `docker` runs every row in a container (its `runtime_config.image`, else the image `hud build` recorded
 * for its environment), `docker:<image>` forces one image; `hud` runs every row against its environment on
 * a gateway's workers (hud-python `HUDRuntime`: `HUD_API_KEY`, at `HUD_RUNTIME_URL`, else `HUD_API_URL`,
 * else `https://mcp.hud.ai`). `@hud/runtimes-docker`, `@hud/runtimes-hud` and `@hud/harbor` (optional
 * peers of the CLI) are imported only when a row or the runtime needs them.
 * @throws Error for an unknown runtime name, or `hud` without `HUD_API_KEY`; MissingPackageError naming the
 *   command and the package to install when `@hud/runtimes-docker`, `@hud/runtimes-hud` or `@hud/harbor`
 *   is needed and not installed.
 */
export async function chooseProvider(options: {
  runtime: string;
  source: string;
  prewarm: number;
  readyTimeoutMs?: number;
  /** The rows to run: under `local`, rows with `runtime_config.image` go to Docker. */
  tasks?: readonly TaskRow[];
  /** The job id for container labels, once the job has started. */
  job?: () => string | undefined;
  /**
   * Where the local runtime reports (its warnings, e.g. why the environment is served unbundled, and its
   * debug lines). Default: silent.
   */
  logger?: Logger;
  /** `HUD_API_KEY` and the platform URLs for `hud` (default: {@link loadSettings}). */
  settings?: Record<string, string | undefined>;
}): Promise<ChosenProvider> {
  const { runtime } = options;
  const harborRows = (options.tasks ?? []).filter(isHarborRow).length;
  if (harborRows > 0 && (runtime === 'local' || runtime === 'docker')) {
    return withHarbor(options, harborRows);
  }
  if (runtime === 'hud') return hudProvider(options);
  if (runtime.startsWith('tcp://')) {
    const provider = TcpRuntime(runtime);
    return { provider, label: runtime, close: async () => {} };
  }
  if (runtime === 'inprocess' || runtime === 'in-process') {
    const provider = InProcessRuntime.forTasks({ readyTimeoutMs: options.readyTimeoutMs });
    return { provider, label: 'inprocess', close: () => provider.close() };
  }
  if (runtime === 'local') {
    const imageRows = (options.tasks ?? []).filter(hasImage).length;
    if (imageRows > 0) return localAndDocker(options, imageRows);
    const file = resolveEnvSource(options.source);
    const provider = LocalRuntime(file, {
      prewarm: options.prewarm,
      readyTimeoutMs: options.readyTimeoutMs,
      fallbacks: hudModuleFallbacks(),
      fileTracking: fileTrackingEnabled(process.env.HUD_FILE_TRACKING_ENABLED),
      logger: options.logger,
    });
    return { provider, label: `local (${provider.file})`, close: () => provider.close() };
  }
  if (isVendorRuntime(runtime)) return vendorProvider(options);
  if (runtime === 'docker' || runtime.startsWith('docker:')) {
    const image = runtime.startsWith('docker:') ? runtime.slice('docker:'.length) : undefined;
    if (image === '') throw new Error('--runtime docker:<image> needs an image name');
    const docker = await loadDockerRuntime(`hud eval --runtime ${runtime}`);
    const provider = dockerProvider(docker, options, image);
    const label = image
      ? `docker (${image})`
      : `docker (${describeImages(options.tasks ?? [], options.source)})`;
    return {
      provider,
      label,
      close: () => provider.close(),
      reapOrphans: () => docker.reapOrphans(),
    };
  }
  if (runtime === 'kubernetes' || runtime.startsWith('kubernetes:')) {
    const { kubernetesProvider } = await import('./provider-kubernetes.js');
    return kubernetesProvider(options);
  }
  throw new Error(
    `unknown runtime '${runtime}': use local, docker, docker:<image>, hud, inprocess or tcp://host:port, or with its package installed kubernetes[:namespace] (@hud/runtimes-kubernetes), e2b[:template] (@hud/runtimes-e2b), daytona[:image] (@hud/runtimes-daytona), modal[:image] (@hud/runtimes-modal)`,
  );
}

type ChoiceOptions = Parameters<typeof chooseProvider>[0];
type DockerModule = Awaited<ReturnType<typeof loadDockerRuntime>>;

/**
 * Harbor task rows (`runtime_config.harbor`, from a Harbor task directory or dataset) run on the Harbor
 * runtime — their own image, container and verifier on the local Docker engine — under `local` and
 * `docker`; any other rows go to the provider the runtime names.
 */
async function withHarbor(options: ChoiceOptions, harborRows: number): Promise<ChosenProvider> {
  const tasks = `${harborRows} Harbor task${harborRows === 1 ? '' : 's'}`;
  const { HarborRuntime } = await loadHarbor(`hud eval (${tasks})`);
  // Reaping goes through the Docker runtime (a dependency of @hud/harbor, which npm installs beside it).
  const { reapOrphans } = await loadDockerRuntime(`hud eval (${tasks})`);
  const harbor = HarborRuntime({ job: options.job, hostEnv: process.env });
  const others = (options.tasks ?? []).filter((task) => !isHarborRow(task));
  const rest = others.length > 0 ? await chooseProvider({ ...options, tasks: others }) : undefined;
  const provider: Provider = (task, provideOptions) => {
    if (isHarborRow(task)) return harbor(task, provideOptions);
    if (!rest) throw new Error(`task '${task.slug}' is not a Harbor task`);
    return rest.provider(task, provideOptions);
  };
  const label = `harbor on docker (${harborRows} task${harborRows === 1 ? '' : 's'})`;
  return {
    provider,
    label: rest ? `${label} + ${rest.label}` : label,
    close: async () => {
      await Promise.all([harbor.close(), rest?.close()]);
    },
    reapOrphans: () => reapOrphans(),
  };
}

/**
 * `--runtime hud`: each rollout's environment runs on a gateway's workers (a session per rollout),
 * reached through a local port tunnelled over WebSockets (`@hud/runtimes-hud`).
 */
async function hudProvider(options: ChoiceOptions): Promise<ChosenProvider> {
  const settings = options.settings ?? loadSettings();
  const apiKey = settings.HUD_API_KEY?.trim();
  if (!apiKey) {
    throw new Error(
      '--runtime hud needs HUD_API_KEY (a key of the platform or gateway whose workers serve the environments): run `hud login` or `hud set HUD_API_KEY=<key>`',
    );
  }
  const { HudRuntime } = await loadHudRuntime('hud eval --runtime hud');
  const runtimeUrl = platformUrls(settings).runtime;
  // --ready-timeout bounds the wait for a worker too (hud-python's 300 s otherwise).
  const readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
  const provider = HudRuntime({
    apiKey,
    runtimeUrl,
    readyTimeoutS: readyTimeoutMs / 1000,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  // A rollout waiting for a worker says so rather than sit silently at "provisioning".
  const { announceSessionWaits } = await import('../platform/hosted-session-wait.js');
  const warn = (line: string) =>
    options.logger ? options.logger.warn(line) : process.stderr.write(`warning: ${line}\n`);
  return {
    provider: announceSessionWaits(provider, { runtimeUrl, apiKey, readyTimeoutMs, warn }),
    label: `hud (${runtimeUrl})`,
    close: () => provider.close(),
  };
}

/** The most containers `--runtime docker` keeps started ahead of need. */
const DOCKER_PREWARM = 2;

/**
 * One container per rollout (`--runtime docker[:image]`): the forced image, else each row's
 * `runtime_config.image`, else `imageFor` the row (default: the image `hud build` recorded for the row's
 * environment; a platform taskset passes its environments' deployed images).
 */
export function dockerProvider(
  docker: DockerModule,
  options: ChoiceOptions,
  image: string | undefined,
  imageFor: (task: TaskRow) => string | undefined = (task) =>
    recordedImage(task.env, options.source)?.tag,
): ReturnType<DockerModule['DockerRuntime']> {
  return docker.DockerRuntime(image, {
    imageFor,
    readyTimeoutMs: options.readyTimeoutMs,
    job: options.job,
    // Containers started ahead of need, like the local pool, but at most DOCKER_PREWARM: each serves one
    // rollout, so whatever is still pooled when the job ends was created for nothing (a container costs
    // ~1 s of engine CPU here), and a deeper pool measured no faster (bench/docker-throughput.bench.ts).
    prewarm: Math.min(options.prewarm, DOCKER_PREWARM),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/** Which image each environment of the rows runs, for the job's header line. */
function describeImages(tasks: readonly TaskRow[], source: string): string {
  const images = new Set<string>();
  for (const task of tasks) {
    const image = hasImage(task)
      ? String(task.runtime_config?.image)
      : recordedImage(task.env, source)?.tag;
    images.add(image ?? `no image for '${task.env}'`);
  }
  return [...images].join(', ') || 'images per task';
}

/**
 * `local` with rows naming an image (hud-python: `DockerRuntime()` for rows with `runtime_config.image`):
 * those rows get containers, the rest child processes; the local runtime starts only if a row needs it.
 */
async function localAndDocker(options: ChoiceOptions, imageRows: number): Promise<ChosenProvider> {
  const dockerModule = await loadDockerRuntime(
    `hud eval (${imageRows} row${imageRows === 1 ? '' : 's'} with runtime_config.image)`,
  );
  const docker = dockerProvider(dockerModule, options, undefined);
  let local: ReturnType<typeof LocalRuntime> | undefined;
  const provider: Provider = (task, provideOptions) => {
    if (hasImage(task)) return docker(task, provideOptions);
    local ??= LocalRuntime(resolveEnvSource(options.source), {
      prewarm: options.prewarm,
      readyTimeoutMs: options.readyTimeoutMs,
      fallbacks: hudModuleFallbacks(),
      fileTracking: fileTrackingEnabled(process.env.HUD_FILE_TRACKING_ENABLED),
      logger: options.logger,
    });
    return local(task, provideOptions);
  };
  const total = options.tasks?.length ?? imageRows;
  return {
    provider,
    label:
      imageRows === total
        ? `docker (${describeImages(options.tasks ?? [], options.source)})`
        : `local + docker for the ${imageRows} row(s) with runtime_config.image`,
    close: async () => {
      await Promise.all([docker.close(), local?.close()]);
    },
    reapOrphans: () => dockerModule.reapOrphans(),
  };
}
