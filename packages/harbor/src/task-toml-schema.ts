import { z } from 'zod';

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

/** An `[environment]` / `[verifier.environment]` table (Harbor `EnvironmentConfig`), with Harbor's defaults. */
export const Environment = z.looseObject({
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

/** The whole `task.toml` (Harbor v0.22 `TaskConfig`), loose, with Harbor's defaults. */
export const TaskToml = z.looseObject({
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
/** `[environment.healthcheck]` / a step's `healthcheck` as parsed (defaults applied). */
export type RawHealthcheck = z.output<typeof Healthcheck>;
/** `[agent]` / `[steps.agent]` as parsed. */
export type RawAgent = z.output<typeof Agent>;
/** One `artifacts` entry as parsed: a path, or a table `{source, destination?, exclude?, service?}`. */
export type RawArtifact = z.output<typeof Artifact>;
