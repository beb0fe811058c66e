import { existsSync } from 'node:fs';
import path from 'node:path';
import { AgentError, agentNames, Budget, createAgent } from '@hud/agents';
import { importModule } from '@hud/environment';
import { JobStore, loadTaskset, type Taskset } from '@hud/eval';
import { reapOrphans } from '@hud/runtimes-docker';
import type { Command } from 'commander';
import { type EvalFileDefaults, readEvalConfigFile } from '../eval/config-file.js';
import { mergeAgentConfig, parseConfigPairs } from '../eval/config-values.js';
import { integer, seconds, shellWord } from '../eval/flag-values.js';
import { HarborOutputs, loadHarborTaskset } from '../eval/harbor.js';
import { JobDisplay } from '../eval/progress.js';
import { chooseProvider } from '../eval/provider-choice.js';
import { resumeChecks } from '../eval/resume-flags.js';
import { checkRowEnvironments } from '../eval/row-environments.js';
import { summaryJson, summaryText } from '../eval/summary.js';
import { watchEval } from '../eval/watch.js';
import { stderrLogger } from '../logger.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { loadSettings } from '../settings.js';

interface EvalFlags {
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
}

const DEFAULT_STORE = '.hud/jobs';

/** The job budget from `--max-cost` (dollars) and `--max-tokens`, or undefined without either. */
function jobBudget(flags: EvalFlags): Budget | undefined {
  const maxTokens = integer(flags.maxTokens, '--max-tokens');
  let maxCostUsd: number | undefined;
  if (flags.maxCost !== undefined) {
    maxCostUsd = Number(flags.maxCost.replace(/^\$/, ''));
    if (!(maxCostUsd > 0))
      throw new Error(`--max-cost must be a positive number of dollars, got '${flags.maxCost}'`);
  }
  return maxTokens === undefined && maxCostUsd === undefined
    ? undefined
    : new Budget({ maxCostUsd, maxTokens });
}

/**
 * Picks the tasks to run: `--task-ids` (or `[eval] task_ids`), `--all`/`--full` (or `[eval] all`), or the
 * first task with a note (hud-python).
 */
function selectTasks(
  taskset: Taskset,
  flags: EvalFlags,
  defaults: EvalFileDefaults,
  note: (line: string) => void,
): Taskset {
  const taskIds = flags.taskIds
    ? flags.taskIds
        .split(',')
        .map((ref) => ref.trim())
        .filter(Boolean)
    : defaults.taskIds;
  if (taskIds) return taskset.select(taskIds);
  if (flags.all || flags.full || defaults.all || taskset.size <= 1) return taskset;
  note(
    `running only the first of ${taskset.size} tasks (${taskset.slugs[0]}); pass --all for every task or --task-ids to pick`,
  );
  return taskset.select([0]);
}

async function runEval(
  sourceArg: string | undefined,
  agentArg: string | undefined,
  flags: EvalFlags,
): Promise<void> {
  if (flags.resume && agentArg === undefined && sourceArg !== undefined) {
    // `hud eval nop --resume <id>`: with the source taken from the job, a lone agent name is the agent.
    if (!existsSync(sourceArg) && agentNames().includes(sourceArg))
      return runEval(undefined, sourceArg, flags);
  }
  const human = flags.json ? process.stderr : process.stdout;
  const say = (line: string) => human.write(`${line}\n`);
  const note = (line: string) => process.stderr.write(`note: ${line}\n`);
  const settings = loadSettings();
  // `.hud_eval.toml` defaults: below the command line, and below what a resumed job recorded.
  const configFile = readEvalConfigFile({
    cwd: process.cwd(),
    variables: settings,
    agents: agentNames(),
    warn: (line) => process.stderr.write(`warning: ${line}\n`),
  });
  const store = new JobStore(path.resolve(flags.store));
  const resumed = flags.resume ? await store.openJob(flags.resume) : undefined;
  const defaults: EvalFileDefaults = resumed ? {} : (configFile?.defaults ?? {});
  const fallbacks = hudModuleFallbacks();
  const importer = (file: string) => importModule(file, { fallbacks });

  let taskSource = sourceArg ?? defaults.source;
  let taskset: Taskset;
  if (resumed && flags.resume) {
    resumeChecks(resumed, sourceArg, agentArg, flags);
    taskSource ??= resumed.source ?? undefined;
    taskset = await store.loadTaskset(flags.resume);
  } else {
    if (!taskSource)
      throw new Error('give a task source: hud eval <tasks.ts|dir|.json|.jsonl> [agent]');
    const loaded =
      (await loadHarborTaskset(taskSource, note)) ??
      (await loadTaskset(taskSource, { importModule: importer }));
    taskset = selectTasks(loaded, flags, defaults, note);
  }
  if (!taskSource)
    throw new Error(
      'the job does not record its source: pass it, e.g. hud eval tasks.ts --resume <id>',
    );
  const agentName = agentArg ?? resumed?.agent.name ?? defaults.agent ?? 'oracle';
  const section = configFile?.agents[agentName];
  const sectionModel = typeof section?.model === 'string' ? section.model : undefined;
  const recordedRuntime = resumed?.settings?.runtime;
  const runtime =
    flags.runtime ??
    (typeof recordedRuntime === 'string' ? recordedRuntime : undefined) ??
    defaults.runtime ??
    'local';
  const verbose = flags.verbose || defaults.verbose || 0;

  const budget = jobBudget(flags);
  const agentLogger = verbose > 1 ? stderrLogger({ verbose: true }) : undefined;
  let agent: ReturnType<typeof createAgent>;
  try {
    agent = createAgent(agentName, {
      model: flags.model ?? (resumed ? (resumed.agent.model ?? undefined) : sectionModel),
      config: mergeAgentConfig({
        agent: agentName,
        section,
        autoRespond: defaults.autoRespond,
        pairs: parseConfigPairs(flags.config),
      }),
      settings,
      budget,
      logger: agentLogger,
    });
  } catch (error) {
    if (AgentError.isInstance(error)) throw new Error(error.message);
    throw error;
  }

  // A resumed job keeps its group and step budget (resumeChecks refused different ones).
  const group = integer(flags.group, '--group') ?? resumed?.group ?? defaults.group ?? 1;
  const maxConcurrent =
    integer(flags.maxConcurrent, '--max-concurrent') ?? defaults.maxConcurrent ?? 30;
  const maxSteps =
    integer(flags.maxSteps, '--max-steps') ??
    (flags.full ? 100 : undefined) ??
    resumed?.max_steps ??
    defaults.maxSteps ??
    10;
  const readyTimeoutMs = seconds(flags.readyTimeout, '--ready-timeout');
  // Container labels carry the job id, known once the job starts (or resumes).
  let jobId = flags.resume;
  if (runtime === 'local')
    await checkRowEnvironments(path.resolve(taskSource), taskset.tasks, fallbacks);
  const chosen = chooseProvider({
    runtime,
    source: taskSource,
    prewarm: Math.max(1, Math.min(maxConcurrent, taskset.size * group, 8)),
    readyTimeoutMs,
    tasks: taskset.tasks,
    job: () => jobId,
  });
  if (chosen.docker && flags.reap !== false) {
    // Containers of earlier runs killed before their teardown (SIGKILL, a crash) go first.
    const reaped = await reapOrphans();
    if (reaped.removed.length > 0) {
      say(
        `reaped ${reaped.removed.length} orphaned container${reaped.removed.length === 1 ? '' : 's'} of earlier jobs whose hud process is gone (${reaped.jobs.join(', ')})`,
      );
    }
  }
  const storeFlag = flags.store === DEFAULT_STORE ? '' : ` --store ${shellWord(flags.store)}`;
  const resumeLine = (id: string) =>
    `resume with: hud eval ${shellWord(taskSource)} ${agentName} --resume ${id}${storeFlag}\n`;
  const controller = new AbortController();
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) {
      // Quit at once; the runs recorded so far stay, and `hud jobs` shows the job as interrupted.
      if (jobId) process.stderr.write(`\n${resumeLine(jobId)}`);
      process.exit(130);
    }
    process.stderr.write(
      '\nstopping: no new rollouts; tearing down running ones (Ctrl-C again to quit at once)\n',
    );
    controller.abort(new Error('interrupted (SIGINT)'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const single = taskset.size * group === 1;
  const display = new JobDisplay({
    stream: process.stderr,
    detailed: single || verbose > 0,
  });
  say(
    `hud eval: ${taskset.size} task${taskset.size === 1 ? '' : 's'} × ${group} with ${agent.name}${agent.model ? ` (${agent.model})` : ''} on ${chosen.label}`,
  );
  const harborOutputs = new HarborOutputs({
    store,
    agentName: agent.name,
    modelName: agent.model ?? null,
    warn: note,
  });
  try {
    const job = await taskset.run({
      agent,
      provider: chosen.provider,
      group,
      maxConcurrent,
      maxSteps,
      rolloutTimeoutMs: seconds(flags.timeout, '--timeout'),
      agentTimeoutMs: seconds(flags.agentTimeout, '--agent-timeout'),
      readyTimeoutMs,
      store,
      resume: flags.resume,
      source: path.resolve(taskSource),
      settings: { runtime },
      signal: controller.signal,
      teardownTimeoutMs: 5_000,
      onEvent: (event) => {
        if (event.type === 'job-start') jobId = event.job.id;
        if (event.type === 'run-end') harborOutputs.onRunEnd(event.run);
        display.onEvent(event);
      },
      logger: agentLogger,
      admit: budget ? () => budget.exhausted() : undefined,
    });
    display.stop();
    await harborOutputs.flush();
    const storeDir = path.join(store.root, job.id);
    say(
      summaryText(job, path.relative(process.cwd(), storeDir) || storeDir, {
        color: Boolean(human.isTTY),
      }),
    );
    if (job.stopped) say(`stopped early: ${job.stopped}`);
    if (budget?.maxCostUsd !== undefined && budget.unpricedCalls > 0) {
      note(
        `${budget.unpricedCalls} model call${budget.unpricedCalls === 1 ? '' : 's'} had no known price and did not count toward --max-cost (see hud models list)`,
      );
    }
    if (flags.json) {
      const summary = { ...summaryJson(job, storeDir), stopped: job.stopped };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }
    if (job.cancelled) {
      process.stderr.write(resumeLine(job.id));
      process.exitCode = 130;
    } else if (job.errors.length > 0) {
      process.exitCode = 1;
    }
  } finally {
    display.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await chosen.close();
  }
}

/** `hud eval <source> [agent]`: run an agent over tasks, locally, with a live display and a job store. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'run an agent over tasks and grade every run (no API key needed with oracle or nop)',
    )
    .argument(
      '[source]',
      "tasks: a .ts/.js module, a directory, .json or .jsonl (default: [eval] source of .hud_eval.toml, or the resumed job's)",
    )
    .argument(
      '[agent]',
      "oracle, nop, claude, openai, gemini, openai_compatible (default: oracle, or the resumed job's)",
    )
    .option('--all', 'run every task (default: only the first)')
    .option('--full', 'every task with up to 100 steps')
    .option('--task-ids <ids>', 'comma-separated slugs, template ids or 0-based indexes')
    .option('--group <n>', "runs per task (GRPO-style group; default 1, or the resumed job's)")
    .option('--group-size <n>', 'alias of --group')
    .option('--max-concurrent <n>', 'rollouts in flight at once (default 30)')
    .option('--max-steps <n>', "agent step budget (default 10, or the resumed job's)")
    .option('-m, --model <model>', 'model for a model agent')
    .option(
      '--max-cost <dollars>',
      'job budget in US dollars: once model calls cost this much, no new rollouts start',
    )
    .option(
      '--max-tokens <n>',
      'job budget in tokens (prompt + completion): once used, no new rollouts start',
    )
    .option(
      '-c, --config <key=value>',
      'agent setting (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option(
      '--runtime <runtime>',
      "local | docker[:image] | inprocess | tcp://host:port (default local, or the resumed job's)",
    )
    .option('--timeout <seconds>', 'limit on each whole rollout')
    .option(
      '--agent-timeout <seconds>',
      'limit on the agent loop of each rollout (it is still graded)',
    )
    .option(
      '--ready-timeout <seconds>',
      'limit on an environment becoming ready (its port printed, its control connection answering)',
    )
    .option(
      '--resume <job-id>',
      're-run only the runs of a job that have no verdict, with its recorded source, agent and settings',
    )
    .option('--json', 'print the summary as one JSON object on stdout (human output on stderr)')
    .option('--watch', 're-run when the task or environment files change')
    .option('--store <dir>', 'job store directory', DEFAULT_STORE)
    .option(
      '--no-reap',
      'do not remove orphaned containers of earlier killed jobs before a Docker job (another hud eval on this engine may be mid-way through its own reaping)',
    )
    .option(
      '-v, --verbose',
      'step-by-step lines (-vv: debug logs)',
      (_value: string, count: number) => count + 1,
      0,
    )
    .option('-y, --yes', 'do not ask for confirmation (hud-ts never asks)')
    .action(
      async (
        source: string | undefined,
        agentName: string | undefined,
        flags: EvalFlags & { groupSize?: string },
      ) => {
        if (flags.groupSize) flags.group = flags.groupSize;
        if (flags.watch) {
          if (!source) throw new Error('--watch needs a task source');
          await watchEval(process.argv, source);
          return;
        }
        await runEval(source, agentName, flags);
      },
    );
}
