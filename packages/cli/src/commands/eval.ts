import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentError, Budget, createAgent } from '@hud/agents';
import { importModule } from '@hud/environment';
import { JobStore, loadTaskset, type Taskset } from '@hud/eval';
import { reapOrphans } from '@hud/runtimes-docker';
import type { Command } from 'commander';
import { parseConfigPairs } from '../eval/config-values.js';
import { HarborOutputs, loadHarborTaskset } from '../eval/harbor.js';
import { JobDisplay } from '../eval/progress.js';
import { chooseProvider } from '../eval/provider-choice.js';
import { summaryJson, summaryText } from '../eval/summary.js';
import { stderrLogger } from '../logger.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { loadSettings } from '../settings.js';

interface EvalFlags {
  all?: boolean;
  full?: boolean;
  taskIds?: string;
  group?: string;
  maxConcurrent: string;
  maxSteps?: string;
  model?: string;
  config: string[];
  maxCost?: string;
  maxTokens?: string;
  runtime: string;
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

/** `text` quoted for a POSIX shell when it holds anything but plain path characters. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function integer(value: string | undefined, flag: string, minimum = 1): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum)
    throw new Error(`${flag} must be a whole number ≥ ${minimum}, got '${value}'`);
  return number;
}

function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(number > 0))
    throw new Error(`${flag} must be a positive number of seconds, got '${value}'`);
  return number * 1000;
}

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

/** Picks the tasks to run: `--task-ids`, `--all`/`--full`, or the first task with a note (hud-python). */
function selectTasks(taskset: Taskset, flags: EvalFlags, note: (line: string) => void): Taskset {
  if (flags.taskIds)
    return taskset.select(
      flags.taskIds
        .split(',')
        .map((ref) => ref.trim())
        .filter(Boolean),
    );
  if (flags.all || flags.full || taskset.size <= 1) return taskset;
  note(
    `running only the first of ${taskset.size} tasks (${taskset.slugs[0]}); pass --all for every task or --task-ids to pick`,
  );
  return taskset.select([0]);
}

async function runEval(
  source: string | undefined,
  agentName: string,
  flags: EvalFlags,
): Promise<void> {
  const human = flags.json ? process.stderr : process.stdout;
  const say = (line: string) => human.write(`${line}\n`);
  const note = (line: string) => process.stderr.write(`note: ${line}\n`);
  const settings = loadSettings();
  const store = new JobStore(path.resolve(flags.store));
  const fallbacks = hudModuleFallbacks();
  const importer = (file: string) => importModule(file, { fallbacks });

  let taskSource = source;
  let taskset: Taskset;
  // A resumed job keeps its group unless --group says otherwise.
  let recordedGroup = 1;
  if (flags.resume) {
    const meta = await store.openJob(flags.resume);
    taskSource ??= meta.source ?? undefined;
    recordedGroup = meta.group;
    taskset = await store.loadTaskset(flags.resume);
  } else {
    if (!taskSource)
      throw new Error('give a task source: hud eval <tasks.ts|dir|.json|.jsonl> [agent]');
    const loaded =
      (await loadHarborTaskset(taskSource, note)) ??
      (await loadTaskset(taskSource, { importModule: importer }));
    taskset = selectTasks(loaded, flags, note);
  }
  if (!taskSource)
    throw new Error(
      'the job does not record its source: pass it, e.g. hud eval tasks.ts --resume <id>',
    );

  const budget = jobBudget(flags);
  const agentLogger = (flags.verbose ?? 0) > 1 ? stderrLogger({ verbose: true }) : undefined;
  let agent: ReturnType<typeof createAgent>;
  try {
    agent = createAgent(agentName, {
      model: flags.model,
      config: parseConfigPairs(flags.config),
      settings,
      budget,
      logger: agentLogger,
    });
  } catch (error) {
    if (AgentError.isInstance(error)) throw new Error(error.message);
    throw error;
  }

  const group = integer(flags.group, '--group') ?? recordedGroup;
  const maxConcurrent = integer(flags.maxConcurrent, '--max-concurrent') ?? 30;
  const maxSteps = integer(flags.maxSteps, '--max-steps') ?? (flags.full ? 100 : 10);
  const readyTimeoutMs = seconds(flags.readyTimeout, '--ready-timeout');
  // Container labels carry the job id, known once the job starts (or resumes).
  let jobId = flags.resume;
  const chosen = chooseProvider({
    runtime: flags.runtime,
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
  const controller = new AbortController();
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
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
    detailed: single || (flags.verbose ?? 0) > 0,
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
      const storeFlag = flags.store === DEFAULT_STORE ? '' : ` --store ${shellWord(flags.store)}`;
      process.stderr.write(
        `resume with: hud eval ${shellWord(taskSource)} ${agentName} --resume ${job.id}${storeFlag}\n`,
      );
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

/** Re-runs `hud eval` (without --watch) in a child whenever the task or environment files change. */
async function watchEval(argv: string[], source: string): Promise<void> {
  const bin = fileURLToPath(new URL('../bin.js', import.meta.url));
  const args = argv.slice(2).filter((arg) => arg !== '--watch');
  const root = path.dirname(path.resolve(source));
  let child: ChildProcess | undefined;
  let pending = false;
  const start = () => {
    child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit' });
    child.once('exit', () => {
      child = undefined;
      process.stderr.write(`\nwatching ${root} for changes (Ctrl-C to stop)\n`);
      if (pending) {
        pending = false;
        start();
      }
    });
  };
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(root, { recursive: true }, (_event, name) => {
    const file = String(name ?? '');
    if (!file || file.includes('node_modules') || file.startsWith('.')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (child) {
        pending = true;
        child.kill('SIGINT');
      } else start();
    }, 200);
  });
  start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      watcher.close();
      clearTimeout(timer);
      if (child) child.once('exit', () => resolve());
      else resolve();
    });
  });
}

/** `hud eval <source> [agent]`: run an agent over tasks, locally, with a live display and a job store. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'run an agent over tasks and grade every run (no API key needed with oracle or nop)',
    )
    .argument('[source]', 'tasks: a .ts/.js module, a directory, .json or .jsonl')
    .argument('[agent]', 'oracle, nop, claude, openai, gemini, openai_compatible', 'oracle')
    .option('--all', 'run every task (default: only the first)')
    .option('--full', 'every task with up to 100 steps')
    .option('--task-ids <ids>', 'comma-separated slugs, template ids or 0-based indexes')
    .option('--group <n>', "runs per task (GRPO-style group; default 1, or the resumed job's)")
    .option('--group-size <n>', 'alias of --group')
    .option('--max-concurrent <n>', 'rollouts in flight at once', '30')
    .option('--max-steps <n>', 'agent step budget (default 10)')
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
    .option('--runtime <runtime>', 'local | docker[:image] | inprocess | tcp://host:port', 'local')
    .option('--timeout <seconds>', 'limit on each whole rollout')
    .option(
      '--agent-timeout <seconds>',
      'limit on the agent loop of each rollout (it is still graded)',
    )
    .option(
      '--ready-timeout <seconds>',
      'limit on an environment becoming ready (its port printed, its control connection answering)',
    )
    .option('--resume <job-id>', 're-run only the runs of a job that have no verdict')
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
        agentName: string,
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
