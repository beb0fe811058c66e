import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TaskRow } from '@hud/protocol';
import { type PlatformClient, PlatformError, platformClient } from '../platform/client.js';
import {
  projectConfigFile,
  readProjectConfig,
  updateProjectConfig,
} from '../platform/project-config.js';
import {
  exportTaskset,
  fetchTaskset,
  isUuid,
  type RemoteTaskset,
  uploadTasks,
} from '../platform/remote-taskset.js';
import { filterRows, planLines, planSync, uploadTask } from '../platform/taskset-sync.js';
import { confirm } from '../prompt.js';
import { loadSettings } from '../settings.js';
import { loadLocalTaskset } from '../task-source.js';
import { exportRows } from './sync-export.js';

/** The flags of `hud sync tasks`, as commander parses them. */
export interface SyncTasksFlags {
  id?: string;
  task: string[];
  exclude: string[];
  dryRun?: boolean;
  force?: boolean;
  export?: string;
  yes?: boolean;
}

/** Where `.hud/config.json` lives for a task source: the source itself when a directory, else its folder. */
export function projectDirOf(source: string): string {
  const absolute = path.resolve(source);
  return existsSync(absolute) && statSync(absolute).isDirectory()
    ? absolute
    : path.dirname(absolute);
}

/** The taskset a sync targets: its id once it exists, its name (for the upload), and its current tasks. */
interface Target {
  id: string | undefined;
  name: string;
  remote: RemoteTaskset | undefined;
}

/** `--export` and a stored id need a taskset that exists; say which one is missing and where. */
function notFound(client: PlatformClient, what: string, hint: string): Error {
  return new Error(`${what} is not on ${client.urls.api}: ${hint}`);
}

/** Reads the taskset by id, with an error naming where the id came from when there is none. */
async function byId(client: PlatformClient, id: string, from: string): Promise<RemoteTaskset> {
  try {
    return await exportTaskset(client, id);
  } catch (error) {
    if (PlatformError.isInstance(error) && error.code === 'not_found') {
      throw notFound(
        client,
        `taskset ${id} (${from})`,
        'pass a taskset name to create one, or the id of one that exists',
      );
    }
    throw error;
  }
}

/**
 * The target of a sync (hud-python: `--id` > TASKSET > the stored `tasksetId`; here, last, the local
 * taskset's own name): by id it must exist; by name it is created when missing.
 */
async function resolveTarget(
  client: PlatformClient,
  options: { id?: string; name?: string; storedId?: string; localName: string; configFile: string },
): Promise<Target> {
  if (options.id) {
    const remote = await byId(client, options.id, '--id');
    return { id: remote.id, name: remote.name, remote };
  }
  if (options.name) {
    if (isUuid(options.name)) {
      const remote = await byId(client, options.name, 'the TASKSET argument');
      return { id: remote.id, name: remote.name, remote };
    }
    const remote = await fetchTaskset(client, options.name);
    return { id: remote?.id, name: options.name, remote };
  }
  if (options.storedId) {
    const remote = await byId(client, options.storedId, `tasksetId in ${options.configFile}`);
    return { id: remote.id, name: remote.name, remote };
  }
  const remote = await fetchTaskset(client, options.localName);
  return { id: remote?.id, name: options.localName, remote };
}

/** Rows of `rows` that the `--task` / `--exclude` selection keeps (no check that `--task` slugs exist). */
function selectRemote(rows: readonly TaskRow[], flags: SyncTasksFlags): TaskRow[] {
  const keep = flags.task.length > 0 ? new Set(flags.task) : undefined;
  const drop = new Set(flags.exclude);
  return rows.filter((row) => (keep ? keep.has(row.slug) : true) && !drop.has(row.slug));
}

/** `--export FILE`: writes the remote taskset (by `--id`, TASKSET or the stored id) to a file. */
async function exportTarget(
  client: PlatformClient,
  taskset: string | undefined,
  flags: SyncTasksFlags,
  storedId: string | undefined,
  configFile: string,
): Promise<void> {
  const file = flags.export as string;
  let remote: RemoteTaskset | undefined;
  if (flags.id) remote = await byId(client, flags.id, '--id');
  else if (taskset) remote = await fetchTaskset(client, taskset);
  else if (storedId) remote = await byId(client, storedId, `tasksetId in ${configFile}`);
  else throw new Error('--export needs a taskset: pass its name, --id, or link one with a sync');
  if (!remote) throw notFound(client, `taskset '${taskset}'`, 'check the name (nothing exported)');
  const rows = selectRemote(remote.tasks, flags);
  await exportRows(rows, file);
  console.error(
    `wrote ${rows.length} task${rows.length === 1 ? '' : 's'} of taskset ${remote.name} (${remote.id}) to ${file}`,
  );
}

/**
 * `hud sync tasks [taskset] [source]` (hud-python 0.6.16, spec §9.7): loads the local taskset, reads the
 * target taskset from the platform (`--force`: treats it as empty), prints the diff by slug on stdout
 * (`create: <slug> (new)`, `update: <slug> (args changed)`, `remote-only: <slug> (…)`), asks (unless `-y`;
 * refused when stdin is not a terminal), uploads every selected local task with `POST /v2/tasks/upload`
 * (the platform keeps what did not change, so two syncs at once leave one of them whole) and links the
 * taskset in the source's `.hud/config.json`. `--export FILE` writes the remote taskset instead.
 * @throws Error / PlatformError / HudEvalError (printed as `hud: <message>`) for a bad source (duplicate
 *   slugs named with their places), an unknown `--task`, a missing key, or the platform's refusal.
 */
export async function syncTasks(
  taskset: string | undefined,
  source: string,
  flags: SyncTasksFlags,
): Promise<void> {
  const client = platformClient(loadSettings());
  const projectDir = projectDirOf(source);
  const configFile = projectConfigFile(projectDir);
  const config = readProjectConfig(projectDir);
  if (flags.export) return exportTarget(client, taskset, flags, config.tasksetId, configFile);

  const local = await loadLocalTaskset(source);
  const rows = filterRows(local.tasks, flags.task, flags.exclude);
  if (rows.length === 0) throw new Error(`no tasks to sync from ${source} (all excluded)`);
  if (!client.hasKey) {
    throw new Error(
      'hud sync needs HUD_API_KEY: run `hud login` or `hud set HUD_API_KEY=<key>` (HUD_API_URL points at a self-hosted gateway)',
    );
  }
  const target = await resolveTarget(client, {
    id: flags.id,
    name: taskset,
    storedId: config.tasksetId,
    localName: local.name,
    configFile,
  });
  if (config.registryName) {
    const others = [...new Set(rows.map((row) => row.env))].filter(
      (env) => env !== config.registryName,
    );
    if (others.length > 0)
      console.error(
        `warning: tasks name environment ${others.map((env) => `'${env}'`).join(', ')}, but ${configFile} links '${config.registryName}'`,
      );
  }
  const remoteRows = flags.force ? [] : selectRemote(target.remote?.tasks ?? [], flags);
  const plan = planSync(rows, remoteRows);
  for (const line of planLines(plan)) console.log(`  ${line}`);
  const changes = plan.toCreate.length + plan.toUpdate.length;
  const where = target.remote
    ? `taskset ${target.name} (${target.id})`
    : `new taskset ${target.name}`;
  if (changes === 0) {
    console.error(`${where}: up to date (${plan.unchanged.length} unchanged)`);
    if (target.id) updateProjectConfig(projectDir, { tasksetId: target.id });
    return;
  }
  const counts = `${plan.toCreate.length} to create, ${plan.toUpdate.length} to update, ${plan.unchanged.length} unchanged`;
  if (flags.dryRun) {
    console.error(`dry run: nothing uploaded to ${where} (${counts})`);
    return;
  }
  const ok = await confirm(`Upload to ${where} on ${client.urls.api} (${counts})?`, {
    yes: flags.yes,
    refusal: `hud sync tasks (${counts}): not asking for confirmation because stdin is not a terminal; pass -y to go ahead`,
  });
  if (!ok) {
    console.error('nothing uploaded');
    return;
  }
  const result = await uploadTasks(client, target.name, rows.map(uploadTask));
  updateProjectConfig(projectDir, { tasksetId: result.taskset_id });
  const version = result.version === undefined ? '' : `, version ${result.version}`;
  console.error(
    `synced taskset ${target.name} (${result.taskset_id}): ${result.tasks_created ?? 0} created, ${result.tasks_updated ?? 0} updated${version}; linked in ${configFile}`,
  );
  const created = result.environments_created ?? [];
  if (created.length > 0) {
    console.error(
      `note: the platform had no environment ${created.map((env) => `'${env}'`).join(', ')}: it added ${created.length === 1 ? 'it' : 'them'} to the registry without an image; run \`hud deploy\` in ${created.length === 1 ? 'its' : 'each'} folder so the tasks can run from the platform`,
    );
  }
}

/**
 * Bare `hud sync [-y] [--dry-run]` (hud-python: `sync tasks` with the stored `tasksetId`): the tasks of the
 * current directory onto the taskset linked in its `.hud/config.json`.
 * @throws Error for another argument, or naming the config file when no taskset is linked.
 */
export async function syncLinked(args: readonly string[]): Promise<void> {
  const flags = { yes: false, dryRun: false };
  for (const arg of args) {
    if (arg === '-y' || arg === '--yes') flags.yes = true;
    else if (arg === '--dry-run') flags.dryRun = true;
    else
      throw new Error(
        `hud sync: unexpected '${arg}' (bare sync takes -y and --dry-run; see hud sync tasks --help)`,
      );
  }
  const config = readProjectConfig(process.cwd());
  if (!config.tasksetId) {
    throw new Error(
      `no taskset linked in ${projectConfigFile(process.cwd())}: run \`hud sync tasks <taskset-name> [source]\` once`,
    );
  }
  await syncTasks(undefined, '.', { ...flags, task: [], exclude: [] });
}
