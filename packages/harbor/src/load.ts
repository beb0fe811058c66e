import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject, TaskRow } from '@hud/protocol';
import { HarborLoadError } from './errors.js';
import { parseTaskToml } from './parse-task-toml.js';
import type { HarborFinding, HarborTask, HarborTaskConfig } from './task-config.js';
import { hashTree } from './tree-digest.js';
import { STEP_ENTRIES, trialSteps } from './trial-steps.js';

/** A Harbor task directory or dataset, loaded as a HUD taskset. */
export interface HarborSource {
  /** The dataset's name (a single task's: its directory's), lowercase `[a-z0-9-]`. */
  name: string;
  /** The tasks hud-ts can run, sorted by directory name. */
  tasks: HarborTask[];
  /** One row per task in `tasks`, same order (see {@link harborTaskRow}). */
  rows: TaskRow[];
  /** Every finding; a task with an `invalid` or `unsupported` one is not in `tasks`. */
  findings: HarborFinding[];
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Reads a text file; a missing one is a HarborLoadError with `missingCode`. */
async function readText(file: string, missingCode: string, why: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new HarborLoadError(missingCode, `${file}: missing; ${why}`, { cause: error });
    }
    throw new HarborLoadError('harbor.invalid.io', `${file}: cannot be read (${code ?? error})`, {
      cause: error,
    });
  }
}

/**
 * Reads one Harbor task directory (Harbor v0.22 task layout): `task.toml` (see `parseTaskToml`), the
 * instruction (`instruction.md`, or `steps/<name>/instruction.md` per `[[steps]]` entry, the first one
 * becoming `instruction`), and checks the environment files. A missing `tests/test.sh` is not an error here:
 * the run reports it at grading.
 *
 * Findings are `unsupported` features (see `parseTaskToml`), plus `harbor.unsupported.compose` when
 * `environment/docker-compose.yaml` exists (Harbor would start it, sidecars included), and
 * `harbor.unsupported.step_entry` for anything under `steps/` that would not be run (an entry of a step
 * folder other than `instruction.md`, `tests/`, `solution/`, `workdir/`; a step folder no `[[steps]]` names).
 *
 * @param dir the task directory (relative paths resolve against the working directory).
 * @throws HarborLoadError `harbor.invalid.task_config_io` (no `task.toml`), `harbor.invalid.toml`,
 *   `harbor.invalid.task_config`, `harbor.invalid.instruction_missing`, `harbor.invalid.no_environment`
 *   (neither `environment/Dockerfile`, `[environment].docker_image` nor a compose file),
 *   `harbor.invalid.verifier_dockerfile_missing` (a separate verifier — the task's or a step's — with
 *   neither `steps/<name>/tests/Dockerfile` nor `tests/Dockerfile`),
 *   `harbor.invalid.io` (a file that exists but cannot be read).
 * @example
 * const { task, findings } = await readHarborTask('datasets/hello-world');
 */
export async function readHarborTask(
  dir: string,
): Promise<{ task: HarborTask; findings: HarborFinding[] }> {
  const taskDir = path.resolve(dir);
  const tomlPath = path.join(taskDir, 'task.toml');
  const text = await readText(
    tomlPath,
    'harbor.invalid.task_config_io',
    'a Harbor task directory holds task.toml',
  );
  const { config, findings } = parseTaskToml(text, tomlPath);

  const instructionFiles =
    config.steps.length > 0
      ? config.steps.map((step) => path.join(taskDir, 'steps', step.name, 'instruction.md'))
      : [path.join(taskDir, 'instruction.md')];
  const instructions = await Promise.all(
    instructionFiles.map((file) =>
      readText(file, 'harbor.invalid.instruction_missing', 'it is the prompt the agent is given'),
    ),
  );

  const environmentDir = path.join(taskDir, 'environment');
  if (isFile(path.join(environmentDir, 'docker-compose.yaml'))) {
    findings.push({
      code: 'harbor.unsupported.compose',
      kind: 'unsupported',
      task: taskDir,
      message: `${path.join(environmentDir, 'docker-compose.yaml')}: Harbor runs the task as this compose project (sidecars, volumes, its own main service); hud-ts runs a single image`,
    });
  } else if (!isFile(path.join(environmentDir, 'Dockerfile')) && !config.environment.dockerImage) {
    throw new HarborLoadError(
      'harbor.invalid.no_environment',
      `${taskDir}: no environment/Dockerfile and no [environment].docker_image; one of them gives the task its image`,
    );
  }
  const [instruction = '', ...rest] = instructions;
  const task: HarborTask = {
    dir: taskDir,
    slug: path.basename(taskDir),
    config,
    instruction,
    stepInstructions: config.steps.length > 0 ? [instruction, ...rest] : [],
  };
  for (const step of trialSteps(task)) {
    if (step.verifier.mode === 'separate' && step.verifierContext === null) {
      const taskFile = path.join(taskDir, 'tests', 'Dockerfile');
      const where = step.name
        ? `${path.join(taskDir, 'steps', step.name, 'tests', 'Dockerfile')} and ${taskFile}: both missing; step "${step.name}"'s separate verifier`
        : `${taskFile}: missing; a separate verifier`;
      throw new HarborLoadError(
        'harbor.invalid.verifier_dockerfile_missing',
        `${where} ([verifier].environment_mode = "separate" or [verifier.environment]) runs in the image built from it`,
      );
    }
  }
  findings.push(...stepEntryFindings(task));
  return { task, findings };
}

/**
 * What a task's `steps/` holds that hud-ts would not run (`harbor.unsupported.step_entry`): a step folder's
 * entries other than {@link STEP_ENTRIES}, and folders of steps that `task.toml` does not declare.
 */
function stepEntryFindings(task: HarborTask): HarborFinding[] {
  const stepsDir = path.join(task.dir, 'steps');
  const declared = new Set(task.config.steps.map((step) => step.name));
  const allowed = new Set<string>(STEP_ENTRIES);
  const finding = (entry: string, why: string): HarborFinding => ({
    code: 'harbor.unsupported.step_entry',
    kind: 'unsupported',
    task: task.dir,
    message: `${path.join(stepsDir, entry)}: ${why}`,
  });
  const findings: HarborFinding[] = [];
  for (const name of listDir(stepsDir)) {
    if (!declared.has(name)) {
      findings.push(
        finding(
          name,
          'no [[steps]] entry of task.toml names it, so hud-ts would never run it (declare it, or remove it)',
        ),
      );
      continue;
    }
    for (const entry of listDir(path.join(stepsDir, name))) {
      if (allowed.has(entry)) continue;
      findings.push(
        finding(
          path.join(name, entry),
          `hud-ts runs a step from its ${STEP_ENTRIES.join(', ')} only, so this would be ignored`,
        ),
      );
    }
  }
  return findings;
}

/** The names in a directory, sorted; none when it does not exist. */
function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Immediate subdirectories of `dir` holding a `task.toml`, sorted by name. */
function taskDirsIn(dir: string): string[] {
  return listDir(dir).filter((name) => isFile(path.join(dir, name, 'task.toml')));
}

/**
 * Immediate subdirectories of `dir` that are datasets themselves (no `task.toml`, at least one task
 * directory inside), sorted by name. Hidden directories and `node_modules` are not looked into.
 */
function datasetDirsIn(dir: string): string[] {
  return listDir(dir).filter(
    (name) =>
      !name.startsWith('.') &&
      name !== 'node_modules' &&
      !isFile(path.join(dir, name, 'task.toml')) &&
      taskDirsIn(path.join(dir, name)).length > 0,
  );
}

/** The task directories of a source with their slugs: see {@link loadHarborSource}. */
function tasksOf(root: string): { dir: string; slug: string }[] {
  if (isFile(path.join(root, 'task.toml'))) return [{ dir: root, slug: path.basename(root) }];
  const own = taskDirsIn(root).map((name) => ({ dir: path.join(root, name), slug: name }));
  const nested = datasetDirsIn(root).flatMap((dataset) =>
    taskDirsIn(path.join(root, dataset)).map((name) => ({
      dir: path.join(root, dataset, name),
      slug: `${dataset}/${name}`,
    })),
  );
  return [...own, ...nested].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}

/**
 * Whether `source` looks like a Harbor task (a directory with `task.toml`), a Harbor dataset (a directory
 * with at least one immediate subdirectory holding `task.toml`) or a folder of datasets (subdirectories
 * that are datasets). Never throws.
 */
export function isHarborSource(source: string): boolean {
  return tasksOf(source).length > 0;
}

/**
 * Loads a Harbor task directory or dataset (Harbor v0.22 layout; hud-python `harbor.adapt`'s selection): a
 * directory with `task.toml` is one task, named after the directory; otherwise every immediate subdirectory
 * with `task.toml` is a task, and the dataset is named after `source`. A folder of datasets — subdirectories
 * without `task.toml` whose own subdirectories have one — is run as the union of their tasks, each slugged
 * `<dataset>/<task>` (a Harbor job with several datasets tells their tasks apart by dataset too), beside
 * the tasks directly in `source`; deeper nesting is not looked into. Tasks are sorted by slug. A task that
 * cannot be read becomes an `invalid` finding; one with an `unsupported` finding is reported and left out
 * rather than mis-run.
 *
 * @throws HarborLoadError `harbor.invalid.no_tasks` when `source` holds no task at all.
 * @example
 * const { name, rows, findings } = await loadHarborSource('datasets/terminal-bench');
 */
export async function loadHarborSource(source: string): Promise<HarborSource> {
  const root = path.resolve(source);
  const dirs = tasksOf(root);
  if (dirs.length === 0) {
    throw new HarborLoadError(
      'harbor.invalid.no_tasks',
      `${root}: no Harbor task: no task.toml here, in an immediate subdirectory (a dataset), nor one level below that (a folder of datasets)`,
    );
  }
  const name = datasetName(path.basename(root));
  const loaded = await Promise.all(
    dirs.map(async ({ dir, slug }) => {
      try {
        const read = await readHarborTask(dir);
        return { ...read, task: { ...read.task, slug } };
      } catch (error) {
        if (!HarborLoadError.isInstance(error)) throw error;
        const finding: HarborFinding = {
          code: error.code,
          kind: 'invalid',
          task: dir,
          message: error.message,
        };
        return { task: null, findings: [finding] };
      }
    }),
  );
  const tasks: HarborTask[] = [];
  const findings: HarborFinding[] = [];
  for (const { task, findings: own } of loaded) {
    findings.push(...own);
    if (task && !own.some((finding) => finding.kind === 'unsupported')) tasks.push(task);
  }
  return { name, tasks, rows: tasks.map((task) => harborTaskRow(task, name)), findings };
}

/** hud-python `normalize_environment_name`'s alphabet: lowercase `[a-z0-9-]`, `harbor` when nothing is left. */
function datasetName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'harbor'
  );
}

/**
 * 12 hex digits of sha256 over the `environment/` tree (sorted relative paths, kinds and contents) and the
 * parsed `[environment]` config: tasks that would build the same image share an environment name.
 */
function environmentDigest(task: HarborTask): string {
  const hash = hashTree(createHash('sha256'), path.join(task.dir, 'environment'));
  hash.update(JSON.stringify(task.config.environment));
  return hash.digest('hex').slice(0, 12);
}

/** The agent's time limit in seconds; multi-step: the longest step's, none if any step has none. */
function agentTimeoutSec(config: HarborTaskConfig): number | null {
  if (config.steps.length === 0) return config.agent.timeoutSec;
  const limits = config.steps.map((step) => step.agent.timeoutSec);
  return limits.some((limit) => limit === null) ? null : Math.max(...(limits as number[]));
}

/**
 * The HUD task row of a loaded Harbor task, mirroring hud-python's `harbor.adapt` mapping (Harbor v0.22
 * task.toml → hud-python 0.6.16 `Task`):
 * - `env`: `<dataset>-<sha12>`, the hash over the `environment/` tree and the `[environment]` config;
 * - `id`: `run`; `slug`: the task directory's name;
 * - `args`: `{ instruction, task: { id, description, verifier_timeout (s), separate_verifier, collect,
 *   artifacts (source paths) } }`, plus `steps` (step names) for a multi-step task;
 * - `agent_config.timeout_seconds` when the agent has a limit (multi-step: the longest step's);
 * - `columns`: `[metadata]` plus `keywords`, when there are any;
 * - `runtime_config`: `resources { cpu, memory_mb, storage_mb }` (those set), `limits.startup_timeout_s`
 *   (the build timeout, rounded up), `harbor { task_dir, schema_version }`.
 *
 * Reads the `environment/` directory to hash it.
 * @param dataset the dataset name; sanitised to lowercase `[a-z0-9-]`.
 * @throws Error from the file system when `environment/` cannot be read.
 */
export function harborTaskRow(task: HarborTask, dataset: string): TaskRow {
  const { config } = task;
  const environment = config.environment;

  const resources: JsonObject = {};
  // 0 means "no limit" to Harbor and to Docker alike, so only positive values are requests.
  if (environment.cpus) resources.cpu = environment.cpus;
  if (environment.memoryMb) resources.memory_mb = environment.memoryMb;
  if (environment.storageMb) resources.storage_mb = environment.storageMb;

  const columns: JsonObject = { ...config.metadata };
  if (config.keywords.length > 0) columns.keywords = config.keywords;

  const timeoutSec = agentTimeoutSec(config);
  return {
    env: `${datasetName(dataset)}-${environmentDigest(task)}`,
    id: 'run',
    slug: task.slug,
    args: {
      instruction: task.instruction,
      task: {
        id: config.name ?? task.slug,
        description: config.description,
        verifier_timeout: config.verifier.timeoutSec,
        separate_verifier: trialSteps(task).some((step) => step.verifier.mode === 'separate'),
        // Collect hooks make a task unsupported, so a loaded task has none to pass on.
        collect: [],
        artifacts: config.artifacts.map((artifact) => artifact.source),
      },
      ...(config.steps.length > 0 ? { steps: config.steps.map((step) => step.name) } : {}),
    },
    ...(timeoutSec !== null ? { agent_config: { timeout_seconds: timeoutSec } } : {}),
    ...(Object.keys(columns).length > 0 ? { columns } : {}),
    runtime_config: {
      resources,
      limits: { startup_timeout_s: Math.ceil(environment.buildTimeoutSec) },
      harbor: { task_dir: task.dir, schema_version: config.schemaVersion },
    },
  };
}
