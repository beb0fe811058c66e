import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  errorMessage,
  HudClient,
  type JsonObject,
  Method,
  type TaskManifestEntry,
  type TaskRow,
} from '@hud/protocol';
import type { HudContainer } from '@hud/runtimes-docker';
import pc from 'picocolors';
import { buildProjectImage } from '../docker/build-image.js';
import { probeTunnel } from '../docker/tunnel-probe.js';
import { parsePairs } from '../eval/flag-values.js';
import { loadDockerRuntime } from '../optional-package.js';
import { loadTaskRows } from '../task-source.js';

/** The flags of `hud debug` as commander parses them. */
export interface DebugFlags {
  tag?: string;
  maxPhase: string;
  readyTimeout: string;
  task?: string;
  args?: string;
  buildArg: string[];
  verbose?: boolean;
}

const PHASES = [
  'image',
  'container',
  'control port',
  Method.TasksList,
  'capabilities',
  'task start/cancel',
] as const;

function requiredArgs(entry: TaskManifestEntry): string[] {
  const required = (entry.args as { required?: unknown }).required;
  return Array.isArray(required) ? required.map(String) : [];
}

/** The task rows of a project directory's tasks file, if it has one. */
async function projectRows(dir: string | undefined): Promise<TaskRow[]> {
  if (!dir) return [];
  for (const name of ['tasks.ts', 'tasks.mts', 'tasks.js', 'tasks.mjs']) {
    if (existsSync(path.join(dir, name))) return loadTaskRows(path.join(dir, name));
  }
  return [];
}

/**
 * The action of `hud debug <target>`: walks an image (built first when `target` is a project directory)
 * through its phases up to `--max-phase`, printing one line per phase; resolves with the exit code (1 at
 * the first failed phase, whose container logs are printed).
 * @throws Error for a bad `--max-phase` or `--ready-timeout`; MissingPackageError without
 *   `@hud/runtimes-docker`.
 */
export async function debugImage(target: string, flags: DebugFlags): Promise<number> {
  const maxPhase = Number(flags.maxPhase);
  if (!Number.isInteger(maxPhase) || maxPhase < 1 || maxPhase > PHASES.length) {
    throw new Error(`--max-phase must be 1-${PHASES.length}, got '${flags.maxPhase}'`);
  }
  const readyTimeoutMs = Number(flags.readyTimeout) * 1000;
  if (!(readyTimeoutMs > 0))
    throw new Error(`--ready-timeout must be a positive number of seconds`);
  const { containerLabels, DockerRuntimeError, HudContainer, imageExists } =
    await loadDockerRuntime('hud debug');
  const color = Boolean(process.stdout.isTTY);
  const marks = color
    ? { ok: pc.green('✓'), failed: pc.red('✗'), skipped: pc.dim('–') }
    : { ok: '✓', failed: '✗', skipped: '–' };
  const mark = (ok: boolean | 'skip') =>
    ok === 'skip' ? marks.skipped : ok ? marks.ok : marks.failed;
  const line = (phase: number, ok: boolean | 'skip', detail: string) =>
    console.log(`${mark(ok)} ${phase} ${(PHASES[phase - 1] ?? '').padEnd(17)} ${detail}`);

  const dir =
    existsSync(target) && statSync(target).isDirectory() ? path.resolve(target) : undefined;
  let container: HudContainer | undefined;
  let client: HudClient | undefined;
  let phase = 0;
  const run = async <T>(body: () => Promise<T>): Promise<T> => {
    phase++;
    return body();
  };
  try {
    // 1. The image exists (or builds from a directory).
    const image = await run(async () => {
      if (dir) {
        const built = await buildProjectImage({
          command: 'hud debug',
          dir,
          tag: flags.tag,
          buildArgs: parsePairs(flags.buildArg, '--build-arg'),
          onProgress: flags.verbose ? (text) => process.stderr.write(`  ${text}\n`) : undefined,
        });
        line(
          phase,
          true,
          `built ${built.tag} from ${path.relative(process.cwd(), dir) || '.'}/${built.recipe}`,
        );
        return built.tag;
      }
      if (!(await imageExists(target))) {
        throw new Error(
          `image '${target}' not found locally: build it with hud build <dir> (or docker build -t ${target} .)`,
        );
      }
      line(phase, true, `image ${target} found`);
      return target;
    });
    if (phase >= maxPhase) return 0;

    // 2. A container starts, its control port published on 127.0.0.1.
    container = await run(async () => {
      const created = await HudContainer.create({
        image,
        port: 8765,
        labels: containerLabels({ job: `debug-${randomUUID()}` }),
        settings: {},
        network: true,
        seccomp: true,
        pull: false,
      });
      container = created;
      await created.start();
      line(phase, true, `container ${created.shortId} running, control port ${created.url}`);
      return created;
    });
    if (phase >= maxPhase) return 0;

    // 3. The control port answers hello.
    client = await run(async () => {
      const began = performance.now();
      await container?.waitReady({ timeoutMs: readyTimeoutMs });
      const connected = await HudClient.connect(container?.url as string, {
        heartbeatIntervalMs: 0,
        readyTimeoutMs: 10_000,
      });
      const manifest = connected.manifest;
      const bindings = manifest?.bindings.map((binding) => `${binding.name} ${binding.protocol}`);
      line(
        phase,
        true,
        `hello: env '${manifest?.env.name}' ${manifest?.env.version}, ${bindings?.length ?? 0} binding(s)${bindings?.length ? ` (${bindings.join(', ')})` : ''} in ${Math.round(performance.now() - began)} ms`,
      );
      return connected;
    });
    if (phase >= maxPhase) return 0;

    // 4. tasks.list returns templates.
    const templates = await run(async () => {
      const entries = await (client as HudClient).listTasks({ timeoutMs: 30_000 });
      if (entries.length === 0) throw new Error('tasks.list returned no templates');
      line(
        phase,
        true,
        `${entries.length} template(s): ${entries.map((entry) => entry.id).join(', ')}`,
      );
      return entries;
    });
    if (phase >= maxPhase) return 0;

    // 5. Every capability is reachable through tunnel.open.
    await run(async () => {
      const bindings = (client as HudClient).manifest?.bindings ?? [];
      if (bindings.length === 0) return line(phase, true, 'no capabilities to check');
      const failures: string[] = [];
      for (const binding of bindings) {
        const probe = await probeTunnel(container?.url as string, binding);
        console.log(`    ${mark(probe.ok)} ${binding.name} (${binding.protocol}): ${probe.detail}`);
        if (!probe.ok) failures.push(binding.name);
      }
      if (failures.length > 0) {
        throw new Error(`unreachable through tunnel.open: ${failures.join(', ')}`);
      }
      line(phase, true, `${bindings.length} capability tunnel(s) carry bytes`);
    });
    if (phase >= maxPhase) return 0;

    // 6. A task starts and cancels cleanly.
    await run(async () => {
      let id = flags.task;
      let args: JsonObject = JSON.parse(flags.args ?? '{}') as JsonObject;
      if (id === undefined) {
        const known = new Set(templates.map((entry) => entry.id));
        const row = (await projectRows(dir)).find((candidate) => known.has(candidate.id));
        if (row) ({ id, args } = row);
        else id = templates.find((entry) => requiredArgs(entry).length === 0)?.id;
      }
      if (id === undefined) {
        return line(
          phase,
          'skip',
          'every template needs args: pass --task <id> --args <json> (or debug the project directory, whose tasks.ts has rows)',
        );
      }
      const started = await (client as HudClient).startTask(id, args, { timeoutMs: 60_000 });
      const prompt =
        typeof started.prompt === 'string' ? started.prompt : JSON.stringify(started.prompt);
      await (client as HudClient).cancel({ timeoutMs: 30_000 });
      line(
        phase,
        true,
        `started '${id}' (prompt: ${JSON.stringify(prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt)}) and cancelled it`,
      );
    });
    return 0;
  } catch (error) {
    const [first, ...rest] = errorMessage(error).split('\n');
    line(phase, false, first ?? '');
    // DockerRuntimeErrors carry the container's logs (or the build output) already; others get them here.
    const logs = DockerRuntimeError.isInstance(error) ? undefined : await container?.logs();
    if (logs) rest.push('--- last log lines of the container ---', ...logs.split('\n'));
    for (const text of rest) console.log(`  ${text}`);
    return 1;
  } finally {
    await client?.close().catch(() => {});
    await container?.remove().catch(() => {});
  }
}
