import { dirname } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
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
import {
  Environment,
  type RawAgent,
  type RawArtifact,
  type RawEnvironment,
  type RawHealthcheck,
  type RawStepVerifier,
  type RawTaskToml,
  type RawVerifier,
  TaskToml,
} from './task-toml-schema.js';
import { unsupportedFindings } from './unsupported-findings.js';

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

function healthcheck(raw: RawHealthcheck): HarborHealthcheck {
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
