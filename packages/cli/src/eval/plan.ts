import type { JobMeta, Taskset } from '@hud/eval';
import { EVAL_CONFIG_FILE, type EvalConfigFile, type EvalFileDefaults } from './config-file.js';
import { mergeAgentConfig, parseConfigPairs } from './config-values.js';
import { integer, seconds } from './flag-values.js';
import { resumeChecks } from './resume-flags.js';

/** The flags of `hud eval`, as commander parses them (`--group-size` already folded into `group`). */
export interface EvalFlags {
  all?: boolean;
  full?: boolean;
  taskIds?: string;
  group?: string;
  maxConcurrent?: string;
  maxSteps?: string;
  model?: string;
  config: string[];
  maxCost?: string;
  maxTokens?: string;
  runtime?: string;
  /** `--remote`: submit the rollouts to the gateway's queue (workers run them) and follow the job. */
  remote?: boolean;
  timeout?: string;
  agentTimeout?: string;
  readyTimeout?: string;
  resume?: string;
  json?: boolean;
  watch?: boolean;
  verbose?: number;
  yes?: boolean;
  store: string;
  /** false with --no-reap: leave orphaned containers of earlier jobs alone. */
  reap?: boolean;
  /** `--otel` (true) / `--no-otel` (false): OpenTelemetry export; unset: on when OTEL_EXPORTER_OTLP_*ENDPOINT is set. */
  otel?: boolean;
}

/** Which of the loaded tasks to run (see {@link selectTasks}). */
export type TaskChoice =
  /** The rows a resumed job recorded, all of them. */
  | { kind: 'resumed' }
  /** `--task-ids` or `[eval] task_ids`: slugs, template ids or 0-based indexes. */
  | { kind: 'ids'; ids: string[] }
  /** `--all`, `--full` or `[eval] all`. */
  | { kind: 'all' }
  /** hud-python's default: the first task only (with a note when there are more). */
  | { kind: 'first' };

/** Everything `hud eval` will do, decided before any task is loaded or any process started. */
export interface EvalPlan {
  /** The task source as the user gave it (or as the resumed job or `.hud_eval.toml` names it). */
  source: string;
  /** The job to resume (`--resume`), when resuming. */
  resume?: string;
  tasks: TaskChoice;
  /** The agent to build: its registry name, model (undefined: the agent's default) and settings. */
  agent: { name: string; model: string | undefined; config: Record<string, unknown> };
  /** `local`, `docker`, `docker:<image>`, `inprocess` or `tcp://host:port`. */
  runtime: string;
  /** `--remote`: the rollouts run on the platform's workers (a platform taskset), not here. */
  remote: boolean;
  /** Runs per task. */
  group: number;
  /** Rollouts in flight at once. */
  maxConcurrent: number;
  /** The agent's step budget per run. */
  maxSteps: number;
  /** 0 quiet, 1 step lines (`-v`), 2 debug logs (`-vv`). */
  verbose: number;
  /** `--timeout`, ms. */
  rolloutTimeoutMs?: number;
  /** `--agent-timeout`, ms. */
  agentTimeoutMs?: number;
  /** `--ready-timeout`, ms. */
  readyTimeoutMs?: number;
  /** The job budget (`--max-cost` in US dollars, `--max-tokens`), when either is given. */
  budget?: { maxCostUsd?: number; maxTokens?: number };
  /** The job store directory as given (`--store`). */
  store: string;
  /** `--json`: one summary object on stdout, human output on stderr. */
  json: boolean;
  /** Remove orphaned containers of earlier jobs before a Docker job (false with `--no-reap`). */
  reap: boolean;
}

/** What {@link buildEvalPlan} decides from. */
export interface PlanInputs {
  /** The SOURCE argument. */
  source: string | undefined;
  /** The AGENT argument. */
  agent: string | undefined;
  flags: EvalFlags;
  /** `.hud_eval.toml`, when there is one. */
  configFile?: EvalConfigFile;
  /** The job `--resume` names, as recorded. */
  resumed?: JobMeta;
  /** The agent names the registry knows. */
  agents: readonly string[];
  /** Whether a path exists (a lone argument after `--resume` is an agent unless it names a file). */
  exists: (file: string) => boolean;
}

/** The job budget from `--max-cost` (dollars, `$` allowed) and `--max-tokens`, or undefined. */
function budgetOf(flags: EvalFlags): EvalPlan['budget'] {
  const maxTokens = integer(flags.maxTokens, '--max-tokens');
  let maxCostUsd: number | undefined;
  if (flags.maxCost !== undefined) {
    maxCostUsd = Number(flags.maxCost.replace(/^\$/, ''));
    if (!(maxCostUsd > 0))
      throw new Error(`--max-cost must be a positive number of dollars, got '${flags.maxCost}'`);
  }
  return maxTokens === undefined && maxCostUsd === undefined
    ? undefined
    : { maxCostUsd, maxTokens };
}

function taskChoice(flags: EvalFlags, defaults: EvalFileDefaults): TaskChoice {
  const ids = flags.taskIds
    ? flags.taskIds
        .split(',')
        .map((ref) => ref.trim())
        .filter(Boolean)
    : defaults.taskIds;
  if (ids) return { kind: 'ids', ids };
  return flags.all || flags.full || defaults.all ? { kind: 'all' } : { kind: 'first' };
}

/** Why `--remote` refuses `--runtime`: the workers choose where environments run. */
export const REMOTE_RUNTIME_CONFLICT =
  "--remote runs on the platform: it cannot be combined with --runtime (the gateway's workers choose it: hud worker --runtime docker|local); drop --runtime, or drop --remote to run here (--runtime hud serves only the environments on workers)";

/**
 * The plan of a `hud eval` command: the command line first, then what a resumed job recorded, then the
 * `[eval]` defaults and agent section of `.hud_eval.toml` (ignored when resuming), then built-in defaults
 * (agent `oracle`, runtime `local`, group 1, 30 concurrent, 10 steps; 100 with `--full`). Pure: reads no
 * file, starts nothing.
 * @throws Error naming the flag for a malformed value (`--group must be a whole number ≥ 1, got '0'`),
 *   for a missing source, or (resuming) for each setting that differs from the job's ({@link resumeChecks}).
 */
export function buildEvalPlan(inputs: PlanInputs): EvalPlan {
  const { flags, resumed, configFile } = inputs;
  let { source, agent } = inputs;
  // `hud eval nop --resume <id>`: with the source taken from the job, a lone agent name is the agent.
  if (flags.resume && agent === undefined && source !== undefined) {
    if (!inputs.exists(source) && inputs.agents.includes(source))
      [source, agent] = [undefined, source];
  }
  const defaults: EvalFileDefaults = resumed ? {} : (configFile?.defaults ?? {});
  if (resumed) resumeChecks(resumed, source, agent, flags);
  else if (!(source ?? defaults.source))
    throw new Error('give a task source: hud eval <tasks.ts|dir|.json|.jsonl> [agent]');
  const taskSource = source ?? defaults.source ?? resumed?.source ?? undefined;
  if (!taskSource)
    throw new Error(
      'the job does not record its source: pass it, e.g. hud eval tasks.ts --resume <id>',
    );

  if (flags.remote && flags.runtime !== undefined) throw new Error(REMOTE_RUNTIME_CONFLICT);
  if (flags.remote && flags.resume)
    throw new Error('--resume re-runs a local job: it cannot be combined with --remote');
  // CLI > toml: `remote = true` in the file applies unless the command line names a runtime or a resume.
  const remote =
    flags.remote ?? (flags.runtime === undefined && !flags.resume && defaults.remote === true);
  if (remote && !flags.remote) fileRemoteChecks(flags, configFile?.file ?? EVAL_CONFIG_FILE);
  const budget = budgetOf(flags);
  const agentName = agent ?? resumed?.agent.name ?? defaults.agent ?? 'oracle';
  const section = configFile?.agents[agentName];
  const sectionModel = typeof section?.model === 'string' ? section.model : undefined;
  const config = mergeAgentConfig({
    agent: agentName,
    section,
    autoRespond: defaults.autoRespond,
    pairs: parseConfigPairs(flags.config),
  });
  const recordedRuntime = resumed?.settings?.runtime;
  return {
    source: taskSource,
    resume: resumed ? flags.resume : undefined,
    tasks: resumed ? { kind: 'resumed' } : taskChoice(flags, defaults),
    agent: {
      name: agentName,
      model: flags.model ?? (resumed ? (resumed.agent.model ?? undefined) : sectionModel),
      config,
    },
    runtime:
      flags.runtime ??
      (typeof recordedRuntime === 'string' ? recordedRuntime : undefined) ??
      defaults.runtime ??
      'local',
    remote,
    // A resumed job keeps its group and step budget (resumeChecks refused different ones).
    group: integer(flags.group, '--group') ?? resumed?.group ?? defaults.group ?? 1,
    maxConcurrent: integer(flags.maxConcurrent, '--max-concurrent') ?? defaults.maxConcurrent ?? 30,
    maxSteps:
      integer(flags.maxSteps, '--max-steps') ??
      (flags.full ? 100 : undefined) ??
      resumed?.max_steps ??
      defaults.maxSteps ??
      10,
    verbose: flags.verbose || defaults.verbose || 0,
    rolloutTimeoutMs: seconds(flags.timeout, '--timeout'),
    agentTimeoutMs: seconds(flags.agentTimeout, '--agent-timeout'),
    readyTimeoutMs: seconds(flags.readyTimeout, '--ready-timeout'),
    budget,
    store: flags.store,
    json: Boolean(flags.json),
    reap: flags.reap !== false,
  };
}

/**
 * The tasks of `taskset` the plan runs; for `first` with more than one task, `note` says which one ran
 * and how to run the others (hud-python's default).
 */
export function selectTasks(
  taskset: Taskset,
  choice: TaskChoice,
  note: (line: string) => void,
): Taskset {
  if (choice.kind === 'ids') return taskset.select(choice.ids);
  if (choice.kind !== 'first' || taskset.size <= 1) return taskset;
  note(
    `running only the first of ${taskset.size} tasks (${taskset.slugs[0]}); pass --all for every task or --task-ids to pick`,
  );
  return taskset.select([0]);
}

/** How many environments to start ahead of demand: enough for the first wave, at most 8. */
export function prewarmCount(
  plan: Pick<EvalPlan, 'maxConcurrent' | 'group'>,
  tasks: number,
): number {
  return Math.max(1, Math.min(plan.maxConcurrent, tasks * plan.group, 8));
}

/**
 * `remote = true` from `.hud_eval.toml` with flags that only apply to rollouts run here.
 * @throws Error naming the file, the flags, and how to run here instead.
 */
function fileRemoteChecks(flags: EvalFlags, file: string): void {
  const local = [
    ['--watch', flags.watch],
    ['--max-cost', flags.maxCost],
    ['--max-tokens', flags.maxTokens],
    ['--timeout', flags.timeout],
    ['--agent-timeout', flags.agentTimeout],
    ['--ready-timeout', flags.readyTimeout],
  ].filter(([, value]) => value !== undefined && value !== false);
  if (local.length === 0) return;
  const names = local.map(([flag]) => flag).join(', ');
  throw new Error(
    `${file}: [eval] remote = true runs the job on the platform's workers, where ${names} cannot apply; pass --runtime local (or another runtime) to run here, or drop ${names}`,
  );
}
