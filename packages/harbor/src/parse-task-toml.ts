import { dirname } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { z } from 'zod';
import { HarborLoadError } from './errors.js';
import type {
  HarborAgentConfig,
  HarborArtifact,
  HarborEnvironmentConfig,
  HarborFinding,
  HarborHealthcheck,
  HarborStep,
  HarborTaskConfig,
  HarborVerifierConfig,
} from './task-config.js';
import { unsupportedFindings } from './unsupported-findings.js';

// The raw `task.toml` shapes (snake_case, as written), after Harbor v0.22 `models/task/config.py`. Objects
// are loose: Harbor adds keys between releases and real tasks carry keys hud-ts does not read. TOML has no
// null, so "unset" is `undefined`. Tables use `.prefault({})` so a missing table still gets its defaults.

const StringMap = z.record(z.string(), z.string());
/** Harbor accepts a user name or a uid. */
const User = z.union([z.string(), z.int()]).optional();
const NetworkMode = z.enum(['public', 'no-network', 'allowlist']);
/** The deprecated `memory = "2G"` / `storage = "10G"` strings (Harbor `_parse_size_to_mb`). */
const Size = z
  .string()
  .regex(/^\s*\d+(\.\d+)?\s*[gmk]\s*$/i, { error: 'expected a size like "2G", "512M" or "1024K"' });

const Healthcheck = z.looseObject({
  command: z.string(),
  interval_sec: z.number().default(5),
  timeout_sec: z.number().default(30),
  start_period_sec: z.number().default(0),
  start_interval_sec: z.number().default(5),
  retries: z.int().default(3),
});

const McpServer = z.looseObject({
  name: z.string(),
  transport: z.string().default('sse'),
});

const Environment = z.looseObject({
  build_timeout_sec: z.number().default(600),
  docker_image: z.string().optional(),
  os: z.enum(['linux', 'windows']).default('linux'),
  cpus: z.number().optional(),
  memory_mb: z.number().optional(),
  storage_mb: z.number().optional(),
  memory: Size.optional(),
  storage: Size.optional(),
  gpus: z.int().optional(),
  gpu_types: z.array(z.string()).optional(),
  tpu: z.looseObject({}).optional(),
  allow_internet: z.boolean().optional(),
  network_mode: NetworkMode.optional(),
  allowed_hosts: z.array(z.string()).default([]),
  mcp_servers: z.array(McpServer).default([]),
  env: StringMap.default({}),
  workdir: z.string().optional(),
  skills_dir: z.string().optional(),
  healthcheck: Healthcheck.optional(),
});

const PhaseNetwork = {
  network_mode: NetworkMode.optional(),
  allowed_hosts: z.array(z.string()).default([]),
};

const Agent = z.looseObject({ timeout_sec: z.number().optional(), user: User, ...PhaseNetwork });

const Verifier = z.looseObject({
  timeout_sec: z.number().default(600),
  env: StringMap.default({}),
  user: User,
  ...PhaseNetwork,
  environment_mode: z.enum(['shared', 'separate']).optional(),
  environment: Environment.optional(),
  collect: z.array(z.looseObject({ command: z.string() })).default([]),
});

const Artifact = z.union(
  [
    z.string(),
    z.looseObject({
      source: z.string(),
      destination: z.string().optional(),
      exclude: z.array(z.string()).default([]),
      service: z.string().optional(),
    }),
  ],
  { error: 'expected a path or a table {source, destination?, exclude?, service?}' },
);

/**
 * A step's `[steps.verifier]`: no defaults, so that a key the step leaves out is taken from the task's
 * `[verifier]` (see `stepVerifierConfig`).
 */
const StepVerifier = z.looseObject({
  timeout_sec: z.number().optional(),
  env: StringMap.optional(),
  user: User,
  ...PhaseNetwork,
  environment_mode: z.enum(['shared', 'separate']).optional(),
  environment: Environment.optional(),
  collect: z.array(z.looseObject({ command: z.string() })).default([]),
});

const Step = z.looseObject({
  // The name is a directory under steps/, so it must not walk out of it.
  name: z
    .string()
    .regex(/^(?!\.\.?$)[^/\\]+$/, { error: 'expected a directory name under steps/' }),
  agent: Agent.prefault({}),
  verifier: StepVerifier.prefault({}),
  min_reward: z.number().optional(),
  healthcheck: Healthcheck.optional(),
  artifacts: z.array(Artifact).default([]),
});

const TaskToml = z.looseObject({
  schema_version: z.string().optional(),
  /** Older tasks' name for `schema_version` (Harbor `handle_version_rename`). */
  version: z.string().optional(),
  source: z.string().optional(),
  artifacts: z.array(Artifact).default([]),
  multi_step_reward_strategy: z.enum(['mean', 'final']).optional(),
  task: z
    .looseObject({
      name: z.string(),
      description: z.string().default(''),
      keywords: z.array(z.string()).default([]),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  verifier: Verifier.prefault({}),
  agent: Agent.prefault({}),
  solution: z.looseObject({ env: StringMap.default({}) }).prefault({}),
  environment: Environment.prefault({}),
  steps: z
    .array(Step)
    .default([])
    .superRefine((steps, context) => {
      const seen = new Set<string>();
      for (const [index, step] of steps.entries()) {
        if (seen.has(step.name)) {
          context.addIssue({
            code: 'custom',
            path: [index, 'name'],
            message: `duplicate step name "${step.name}"`,
          });
        }
        seen.add(step.name);
      }
    }),
});

/** `task.toml` as parsed, before hud-ts's mapping (snake_case, Harbor's defaults applied). */
export type RawTaskToml = z.output<typeof TaskToml>;
/** `[environment]` / `[verifier.environment]` as parsed. */
export type RawEnvironment = z.output<typeof Environment>;
/** The task's `[verifier]` as parsed (defaults applied). */
export type RawVerifier = z.output<typeof Verifier>;
/** A step's `[steps.verifier]` as parsed (no defaults: unset keys come from the task's). */
export type RawStepVerifier = z.output<typeof StepVerifier>;
/** `[agent]` / `[steps.agent]` as parsed. */
export type RawAgent = z.output<typeof Agent>;
type RawArtifact = z.output<typeof Artifact>;

/**
 * Parses and validates a Harbor `task.toml` (Harbor v0.22 task.toml, schema 1.0–1.4), applying Harbor's
 * defaults: `schema_version` `"1.4"` (or the top-level `version` alias), `[verifier].timeout_sec` 600 s,
 * `[environment].build_timeout_sec` 600 s, `[agent].timeout_sec` null (no limit), healthcheck interval 5 s /
 * timeout 30 s / start period 0 s / start interval 5 s / 3 retries, no resource limits. Legacy keys are
 * mapped: `allow_internet = false` → `no-network`, `memory`/`storage = "2G"` → MiB,
 * `environment_mode = "separate"` or a `[verifier.environment]` table → a separate verifier. A `[[steps]]`
 * entry's verifier and agent keys are resolved against the task's: each of `environment_mode`,
 * `[verifier.environment]`, `env`, `user`, `timeout_sec` (and the agent's `timeout_sec`, `user`) comes from
 * the step when it sets it, else from the task's `[verifier]` / `[agent]`, else the default. Unknown keys are
 * ignored. Features hud-ts does not run are returned as `unsupported` findings (codes below), not errors.
 *
 * Finding codes: `harbor.unsupported.mcp_stdio`, `.mcp_servers`, `.skills_dir`, `.os_windows`,
 * `.network_allowlist`, `.phase_network`, `.gpu`, `.verifier_collect`, `.artifact_service`.
 *
 * @param text the file's contents.
 * @param where the file's path: named in error messages; its directory is each finding's `task`.
 * @throws HarborLoadError `harbor.invalid.toml` (syntax; the message names `where:line:column`) or
 *   `harbor.invalid.task_config` (a wrong type or value; the message names the key, e.g.
 *   `…/task.toml: [verifier].timeout_sec: expected number, got string "600"`).
 * @example
 * const { config, findings } = parseTaskToml(await readFile(file, 'utf8'), file);
 */
export function parseTaskToml(
  text: string,
  where: string,
): { config: HarborTaskConfig; findings: HarborFinding[] } {
  const result = TaskToml.safeParse(readToml(text, where), { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${keyPath(issue.path)}: ${describe(issue)}`,
    );
    throw new HarborLoadError('harbor.invalid.task_config', `${where}: ${problems.join('; ')}`, {
      cause: result.error,
    });
  }
  const raw = result.data;
  const config = taskConfig(raw);
  return { config, findings: unsupportedFindings(raw, config, dirname(where)) };
}

function readToml(text: string, where: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new HarborLoadError(
      'harbor.invalid.toml',
      `${where}:${error.line}:${error.column}: invalid TOML: ${reason}\n\n${error.codeblock}`,
      { cause: error },
    );
  }
}

/** `['verifier', 'timeout_sec']` → `[verifier].timeout_sec`, `['steps', 0, 'name']` → `[steps[0]].name`. */
function keyPath(path: readonly PropertyKey[]): string {
  const render = (parts: readonly PropertyKey[]) =>
    parts
      .map((part, index) =>
        typeof part === 'number' ? `[${part}]` : `${index > 0 ? '.' : ''}${String(part)}`,
      )
      .join('');
  let keyStart = path.length;
  while (keyStart > 0 && typeof path[keyStart - 1] === 'number') keyStart--;
  if (keyStart > 0) keyStart--;
  const table = path.slice(0, keyStart);
  const key = render(path.slice(keyStart));
  if (table.length === 0) return key || '(document)';
  return `[${render(table)}].${key}`;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (issue.input === undefined) return `required (expected ${issue.expected})`;
  const input = issue.input;
  const shown = Array.isArray(input)
    ? 'array'
    : typeof input === 'string'
      ? `string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`
      : typeof input === 'object' && input !== null
        ? 'table'
        : `${typeof input} ${String(input)}`;
  return `expected ${issue.expected}, got ${shown}`;
}

function taskConfig(raw: RawTaskToml): HarborTaskConfig {
  return {
    schemaVersion: raw.schema_version ?? raw.version ?? '1.4',
    name: raw.task?.name ?? null,
    description: raw.task?.description ?? '',
    keywords: raw.task?.keywords ?? [],
    metadata: { ...raw.metadata },
    source: raw.source ?? null,
    artifacts: raw.artifacts.map(artifact),
    multiStepRewardStrategy: raw.multi_step_reward_strategy ?? 'mean',
    environment: environmentConfig(raw.environment),
    verifier: verifierConfig(raw.verifier),
    agent: agentConfig(raw.agent),
    solutionEnv: { ...raw.solution.env },
    steps: raw.steps.map(
      (step): HarborStep => ({
        name: step.name,
        agent: agentConfig({
          ...raw.agent,
          ...definedOnly({ timeout_sec: step.agent.timeout_sec, user: step.agent.user }),
        }),
        verifier: stepVerifierConfig(step.verifier, raw.verifier),
        minReward: step.min_reward ?? null,
        healthcheck: step.healthcheck ? healthcheck(step.healthcheck) : null,
        artifacts: step.artifacts.map(artifact),
      }),
    ),
  };
}

function environmentConfig(raw: RawEnvironment): HarborEnvironmentConfig {
  return {
    dockerImage: raw.docker_image ?? null,
    buildTimeoutSec: raw.build_timeout_sec,
    os: raw.os,
    cpus: raw.cpus ?? null,
    // Harbor's validator assigns the deprecated strings last, so they win over `memory_mb`/`storage_mb`.
    memoryMb: raw.memory !== undefined ? sizeToMb(raw.memory) : (raw.memory_mb ?? null),
    storageMb: raw.storage !== undefined ? sizeToMb(raw.storage) : (raw.storage_mb ?? null),
    gpus: raw.gpus ?? null,
    // Harbor `resolve_baseline`: an explicit mode wins, hosts alone imply an allowlist, then `allow_internet`.
    networkMode:
      raw.network_mode ??
      (raw.allowed_hosts.length > 0
        ? 'allowlist'
        : raw.allow_internet === false
          ? 'no-network'
          : 'public'),
    allowedHosts: raw.allowed_hosts,
    env: { ...raw.env },
    workdir: raw.workdir ?? null,
    healthcheck: raw.healthcheck ? healthcheck(raw.healthcheck) : null,
  };
}

/** Harbor `_parse_size_to_mb`: G × 1024, M as is, K / 1024, truncated to whole MiB. */
function sizeToMb(size: string): number {
  const text = size.trim().toUpperCase();
  const amount = Number.parseFloat(text.slice(0, -1));
  const unit = text.at(-1);
  return Math.trunc(unit === 'G' ? amount * 1024 : unit === 'K' ? amount / 1024 : amount);
}

function healthcheck(raw: z.output<typeof Healthcheck>): HarborHealthcheck {
  return {
    command: raw.command,
    intervalSec: raw.interval_sec,
    timeoutSec: raw.timeout_sec,
    startPeriodSec: raw.start_period_sec,
    startIntervalSec: raw.start_interval_sec,
    retries: raw.retries,
  };
}

function verifierConfig(raw: RawVerifier): HarborVerifierConfig {
  const separate = raw.environment_mode === 'separate' || raw.environment !== undefined;
  return {
    timeoutSec: raw.timeout_sec,
    env: { ...raw.env },
    user: userOf(raw.user),
    mode: separate ? 'separate' : 'shared',
    // A separate verifier without its own table still gets Harbor's environment defaults.
    environment: separate ? environmentConfig(raw.environment ?? Environment.parse({})) : null,
  };
}

/**
 * A step's verifier: each key from `[steps.verifier]` when the step sets it, else from the task's
 * `[verifier]`, else Harbor's default — the mode (`environment_mode`, or separate when the step has its
 * own `[steps.verifier.environment]`), the separate verifier's environment, `env` (the step's table
 * replaces the task's), `user` and `timeout_sec`.
 */
function stepVerifierConfig(step: RawStepVerifier, task: RawVerifier): HarborVerifierConfig {
  const taskMode = verifierConfig(task).mode;
  const mode = step.environment_mode ?? (step.environment !== undefined ? 'separate' : taskMode);
  const environment = step.environment ?? task.environment;
  return {
    timeoutSec: step.timeout_sec ?? task.timeout_sec,
    env: { ...(step.env ?? task.env) },
    user: userOf(step.user ?? task.user),
    mode,
    environment:
      mode === 'separate' ? environmentConfig(environment ?? Environment.parse({})) : null,
  };
}

/** The entries of `values` that are not undefined (TOML has no null: undefined is "not set"). */
function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

function userOf(raw: string | number | undefined): string | null {
  return raw === undefined ? null : String(raw);
}

function agentConfig(raw: RawAgent): HarborAgentConfig {
  return {
    timeoutSec: raw.timeout_sec ?? null,
    user: userOf(raw.user),
  };
}

function artifact(raw: RawArtifact): HarborArtifact {
  if (typeof raw === 'string') return { source: raw, destination: null, exclude: [] };
  return { source: raw.source, destination: raw.destination ?? null, exclude: raw.exclude };
}
