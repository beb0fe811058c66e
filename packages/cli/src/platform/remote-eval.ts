/**
 * `hud eval "<taskset name>" <agent>` with `HUD_API_KEY` set: the taskset comes from the platform
 * (hud-python `Taskset.from_api`, spec §5.2) and runs here, each row's environment served from an env file
 * of the current directory that declares it, else from its deployed image on the Docker runtime.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Taskset } from '@hud/eval';
import type { Provider, TaskRow } from '@hud/protocol';
import { LocalRuntime } from '@hud/runtimes-local';
import type { EvalPlan } from '../eval/plan.js';
import {
  type ChosenProvider,
  chooseProvider,
  dockerProvider,
  hasImage,
} from '../eval/provider-choice.js';
import { placeRows, type RowPlacement } from '../eval/row-environments.js';
import { loadDockerRuntime } from '../optional-package.js';
import { fileTrackingEnabled } from '../settings.js';
import { platformClient } from './client.js';
import { fetchTaskset, findEnvironment } from './remote-taskset.js';

/** A platform taskset ready to run here, and the provider that serves its rows. */
export interface PlatformEval {
  taskset: Taskset;
  /** Takes the options of {@link chooseProvider}; serves each row as {@link RowPlacement} decided. */
  provider: typeof chooseProvider;
}

/**
 * The platform taskset of the plan when its source is none here (no such file or directory), not a resumed
 * job's, and `HUD_API_KEY` is set; else undefined (the source loads as a local one).
 * @throws Error naming the taskset and the platform when it has no taskset of that name; the placement
 *   error of {@link placeRows}; PlatformError from the platform.
 */
export async function platformTaskset(
  plan: Pick<EvalPlan, 'source' | 'resume' | 'runtime'>,
  settings: Record<string, string | undefined>,
  fallbacks: Readonly<Record<string, string>>,
  note: (line: string) => void,
): Promise<PlatformEval | undefined> {
  if (plan.resume || existsSync(path.resolve(plan.source)) || !settings.HUD_API_KEY?.trim())
    return undefined;
  if (plan.runtime !== 'local' && plan.runtime !== 'hud') {
    throw new Error(
      `'${plan.source}' is a platform taskset: it runs here with the default runtime (local) or on the gateway's workers (--runtime hud, or --remote), not --runtime ${plan.runtime}`,
    );
  }
  const client = platformClient(settings);
  const remote = await fetchTaskset(client, plan.source);
  if (!remote) {
    throw new Error(
      `no task source '${plan.source}' here and no taskset of that name on ${client.urls.api}: give a file or directory, or sync one with hud sync tasks ${plan.source}`,
    );
  }
  if (remote.tasks.length === 0)
    throw new Error(`taskset '${remote.name}' on ${client.urls.api} has no tasks`);
  note(
    `taskset ${remote.name} (${remote.id}) from ${client.urls.api}: ${remote.tasks.length} tasks`,
  );
  const taskset = new Taskset(remote.name, remote.tasks, { tasksetId: remote.id });
  // --runtime hud (hud-python's default for a platform taskset): every row's environment on a worker.
  if (plan.runtime === 'hud') return { taskset, provider: chooseProvider };
  const imageOf = async (env: string) => (await findEnvironment(client, env))?.image ?? undefined;
  return {
    taskset,
    provider: async (options) => {
      const placement = await placeRows({
        tasks: options.tasks ?? taskset.tasks,
        cwd: process.cwd(),
        fallbacks,
        imageOf,
        taskset: remote.name,
      });
      return placedProvider(placement, options, fallbacks);
    },
  };
}

/** The provider of a placement: one local runtime per env file, one Docker runtime for the images. */
async function placedProvider(
  placement: RowPlacement,
  options: Parameters<typeof chooseProvider>[0],
  fallbacks: Readonly<Record<string, string>>,
): Promise<ChosenProvider> {
  const locals = new Map<string, ReturnType<typeof LocalRuntime>>();
  const localFor = (file: string) => {
    let runtime = locals.get(file);
    if (!runtime) {
      runtime = LocalRuntime(file, {
        prewarm: options.prewarm,
        readyTimeoutMs: options.readyTimeoutMs,
        fallbacks,
        fileTracking: fileTrackingEnabled(process.env.HUD_FILE_TRACKING_ENABLED),
        logger: options.logger,
      });
      locals.set(file, runtime);
    }
    return runtime;
  };
  const needsDocker = placement.images.size > 0 || (options.tasks ?? []).some(hasImage);
  const dockerModule = needsDocker
    ? await loadDockerRuntime('hud eval (platform taskset rows with a deployed image)')
    : undefined;
  const docker =
    dockerModule &&
    dockerProvider(dockerModule, options, undefined, (task) => placement.images.get(task.env));
  const provider: Provider = (task: TaskRow, provideOptions) => {
    const file = placement.local.get(task.env);
    if (file && !hasImage(task)) return localFor(file)(task, provideOptions);
    if (!docker) throw new Error(`no runtime for environment '${task.env}' of task ${task.slug}`);
    return docker(task, provideOptions);
  };
  const parts = [
    ...[...new Set(placement.local.values())].map(
      (file) => `local (${path.relative(process.cwd(), file) || file})`,
    ),
    ...[...placement.images].map(([env, image]) => `docker (${env}: ${image})`),
  ];
  const rowImages = new Set(
    (options.tasks ?? []).filter(hasImage).map((task) => String(task.runtime_config?.image)),
  );
  if (rowImages.size > 0) parts.push(`docker (${[...rowImages].join(', ')})`);
  return {
    provider,
    label: parts.join(' + ') || 'docker',
    close: async () => {
      await Promise.all([...[...locals.values()].map((local) => local.close()), docker?.close()]);
    },
    ...(dockerModule ? { reapOrphans: () => dockerModule.reapOrphans() } : {}),
  };
}
