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

const Step = z.looseObject({
  // The name is a directory under steps/, so it must not walk out of it.
  name: z
    .string()
    .regex(/^(?!\.\.?$)[^/\\]+$/, { error: 'expected a directory name under steps/' }),
  agent: Agent.prefault({}),
  verifier: Verifier.prefault({}),
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

type RawTaskToml = z.output<typeof TaskToml>;
type RawEnvironment = z.output<typeof Environment>;
type RawVerifier = z.output<typeof Verifier>;
type RawAgent = z.output<typeof Agent>;
type RawArtifact = z.output<typeof Artifact>;

/**
 * Parses and validates a Harbor `task.toml` (Harbor v0.22 task.toml, schema 1.0–1.4), applying Harbor's
 * defaults: `schema_version` `"1.4"` (or the top-level `version` alias), `[verifier].timeout_sec` 600 s,
 * `[environment].build_timeout_sec` 600 s, `[agent].timeout_sec` null (no limit), healthcheck interval 5 s /
 * timeout 30 s / start period 0 s / start interval 5 s / 3 retries, no resource limits. Legacy keys are
 * mapped: `allow_internet = false` → `no-network`, `memory`/`storage = "2G"` → MiB,
 * `environment_mode = "separate"` or a `[verifier.environment]` table → a separate verifier. Unknown keys are
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
        agent: agentConfig(step.agent),
        verifier: verifierConfig(step.verifier),
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
    user: raw.user === undefined ? null : String(raw.user),
    mode: separate ? 'separate' : 'shared',
    // A separate verifier without its own table still gets Harbor's environment defaults.
    environment: separate ? environmentConfig(raw.environment ?? Environment.parse({})) : null,
  };
}

function agentConfig(raw: RawAgent): HarborAgentConfig {
  return {
    timeoutSec: raw.timeout_sec ?? null,
    user: raw.user === undefined ? null : String(raw.user),
  };
}

function artifact(raw: RawArtifact): HarborArtifact {
  if (typeof raw === 'string') return { source: raw, destination: null, exclude: [] };
  return { source: raw.source, destination: raw.destination ?? null, exclude: raw.exclude };
}

/** Everything in the task that hud-ts would silently mis-run; such a task is reported and skipped. */
function unsupportedFindings(
  raw: RawTaskToml,
  config: HarborTaskConfig,
  task: string,
): HarborFinding[] {
  const findings: HarborFinding[] = [];
  const add = (code: string, message: string) =>
    findings.push({ code: `harbor.unsupported.${code}`, kind: 'unsupported', task, message });

  for (const server of raw.environment.mcp_servers) {
    if (server.transport === 'stdio') {
      add(
        'mcp_stdio',
        `[[environment.mcp_servers]] "${server.name}" uses the stdio transport: hud-ts does not start MCP servers for a task, nor give them to agents`,
      );
    } else {
      add(
        'mcp_servers',
        `[[environment.mcp_servers]] "${server.name}" (${server.transport}): hud-ts agents are not given task MCP servers, so a task that relies on one would be mis-run`,
      );
    }
  }
  if (raw.environment.skills_dir !== undefined) {
    add(
      'skills_dir',
      `[environment].skills_dir = "${raw.environment.skills_dir}": hud-ts agents have no skills directory to copy it into`,
    );
  }

  const environments: [string, RawEnvironment][] = [['[environment]', raw.environment]];
  if (raw.verifier.environment) {
    environments.push(['[verifier.environment]', raw.verifier.environment]);
  }
  for (const [table, environment] of environments) {
    if (environment.os === 'windows') {
      add('os_windows', `${table}.os = "windows": the hud-ts runtimes run Linux containers only`);
    }
    if (environment.network_mode === 'allowlist' || environment.allowed_hosts.length > 0) {
      add(
        'network_allowlist',
        `${table} asks for a network allowlist (${hostList(environment.allowed_hosts)}): hud-ts can give a container the public network or none, not named hosts`,
      );
    }
    if ((environment.gpus ?? 0) > 0) {
      add('gpu', `${table}.gpus = ${environment.gpus}: the hud-ts Harbor runner requests no GPUs`);
    }
    if (environment.gpu_types !== undefined) {
      add(
        'gpu',
        `${table}.gpu_types = [${environment.gpu_types.join(', ')}]: the hud-ts Harbor runner cannot choose GPU models`,
      );
    }
    if (environment.tpu !== undefined) {
      add('gpu', `${table}.tpu: the hud-ts Harbor runner provides no TPUs`);
    }
  }

  // A phase override changes the network of a running container between agent and verifier, which
  // the hud-ts runtimes cannot do; an override equal to the container's own mode changes nothing.
  const agentBaseline = config.environment.networkMode;
  const verifierBaseline = (config.verifier.environment ?? config.environment).networkMode;
  const phases: [string, RawAgent | RawVerifier, string][] = [
    ['[agent]', raw.agent, agentBaseline],
    ['[verifier]', raw.verifier, verifierBaseline],
    ...raw.steps.flatMap((step): [string, RawAgent | RawVerifier, string][] => [
      [`[steps.agent] of step "${step.name}"`, step.agent, agentBaseline],
      [`[steps.verifier] of step "${step.name}"`, step.verifier, agentBaseline],
    ]),
  ];
  for (const [table, phase, baseline] of phases) {
    if (phase.network_mode === 'allowlist' || phase.allowed_hosts.length > 0) {
      add(
        'network_allowlist',
        `${table} asks for a network allowlist (${hostList(phase.allowed_hosts)}): hud-ts can give a container the public network or none, not named hosts`,
      );
    } else if (phase.network_mode !== undefined && phase.network_mode !== baseline) {
      add(
        'phase_network',
        `${table}.network_mode = "${phase.network_mode}" differs from the container's "${baseline}": hud-ts cannot switch a container's network between phases`,
      );
    }
  }

  const verifiers: [string, RawVerifier][] = [
    ['[[verifier.collect]]', raw.verifier],
    ...raw.steps.map((step): [string, RawVerifier] => [
      `[[steps.verifier.collect]] of step "${step.name}"`,
      step.verifier,
    ]),
  ];
  for (const [table, verifier] of verifiers) {
    if (verifier.collect.length > 0) {
      add(
        'verifier_collect',
        `${table} (${verifier.collect.length} hook(s)): hud-ts does not run collect hooks before teardown, so the verifier would miss what they snapshot`,
      );
    }
  }

  for (const entry of [...raw.artifacts, ...raw.steps.flatMap((step) => step.artifacts)]) {
    if (typeof entry !== 'string' && entry.service !== undefined && entry.service !== 'main') {
      add(
        'artifact_service',
        `artifact "${entry.source}" comes from service "${entry.service}": hud-ts runs the main container only, no compose services`,
      );
    }
  }
  return findings;
}

function hostList(hosts: readonly string[]): string {
  return hosts.length > 0 ? hosts.join(', ') : 'no hosts';
}
