import { existsSync } from 'node:fs';
import path from 'node:path';
import { AgentError, agentNames, Budget, createAgent, ToolLoopAgent } from '@hud/agents';
import { importModule } from '@hud/environment';
import { type Job, JobStore, loadTaskset, type Taskset } from '@hud/eval';
import { stderrLogger } from '../logger.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { platformClient } from '../platform/client.js';
import { platformTaskset } from '../platform/remote-eval.js';
import { type EvalUpload, startEvalUpload } from '../platform/telemetry-upload.js';
import { platformUrls } from '../platform/urls.js';
import { loadSettings } from '../settings.js';
import { readEvalConfigFile } from './config-file.js';
import { evalExitCode } from './exit-code.js';
import { HarborOutputs, loadHarborTaskset } from './harbor.js';
import { runInterruptible } from './interrupts.js';
import { type EvalOtel, otelWanted, startEvalOtel } from './otel-export.js';
import { buildEvalPlan, type EvalFlags, type EvalPlan, prewarmCount, selectTasks } from './plan.js';
import { JobDisplay } from './progress.js';
import { type ChosenProvider, chooseProvider } from './provider-choice.js';
import { EvalReport, resumeLine } from './report.js';
import { checkRowEnvironments } from './row-environments.js';

type Logger = ReturnType<typeof stderrLogger>;

/** The plan's tasks: the resumed job's rows, else the source's (a Harbor source or a hud one), selected. */
async function loadTasks(
  plan: EvalPlan,
  store: JobStore,
  fallbacks: Readonly<Record<string, string>>,
  note: (line: string) => void,
): Promise<Taskset> {
  if (plan.resume) return store.loadTaskset(plan.resume);
  const loaded =
    (await loadHarborTaskset(plan.source, note)) ??
    (await loadTaskset(plan.source, { importModule: (file) => importModule(file, { fallbacks }) }));
  return selectTasks(loaded, plan.tasks, note);
}

/**
 * The agent of the plan, with a model harness's adapter (and so its provider SDK and key) loaded before any
 * run starts: a missing optional SDK is one error and a non-zero exit, not one errored run per task.
 * @throws Error with the registry's or the harness's message (unknown agent, missing key, SDK not installed).
 */
async function buildAgent(
  plan: EvalPlan,
  options: { settings: Record<string, string | undefined>; budget?: Budget; logger?: Logger },
) {
  try {
    const { model, config } = plan.agent;
    const agent = createAgent(plan.agent.name, { model, config, ...options });
    if (agent instanceof ToolLoopAgent) await agent.adapter();
    return agent;
  } catch (error) {
    if (AgentError.isInstance(error)) throw new Error(error.message);
    throw error;
  }
}

/** Runs the job on the chosen provider, Ctrl-C aware, with the live display; resolves once it ends. */
async function runJob(options: {
  plan: EvalPlan;
  taskset: Taskset;
  agent: ReturnType<typeof createAgent>;
  chosen: ChosenProvider;
  store: JobStore;
  report: EvalReport;
  budget: Budget | undefined;
  logger: Logger | undefined;
  /** The job's id, set here once the job starts (container labels and the resume line read it). */
  jobId: { current: string | undefined };
  /** The upload to the platform (with `HUD_API_KEY`), told every event. */
  upload: EvalUpload | undefined;
  /** The OpenTelemetry export (`--otel`), told every event. */
  otel?: EvalOtel | undefined;
}): Promise<Job> {
  const { plan, taskset, agent, store, report, budget, jobId } = options;
  return runInterruptible(
    { resumeLine: () => (jobId.current ? resumeLine(plan, jobId.current) : undefined) },
    async (signal) => {
      const display = new JobDisplay({
        stream: process.stderr,
        detailed: taskset.size * plan.group === 1 || plan.verbose > 0,
      });
      report.header({
        tasks: taskset.size,
        group: plan.group,
        agent,
        runtime: options.chosen.label,
      });
      const harborOutputs = new HarborOutputs({
        store,
        agentName: agent.name,
        modelName: agent.model ?? null,
        warn: report.note,
      });
      try {
        const job = await taskset.run({
          agent,
          provider: options.chosen.provider,
          group: plan.group,
          maxConcurrent: plan.maxConcurrent,
          maxSteps: plan.maxSteps,
          rolloutTimeoutMs: plan.rolloutTimeoutMs,
          agentTimeoutMs: plan.agentTimeoutMs,
          readyTimeoutMs: plan.readyTimeoutMs,
          store,
          resume: plan.resume,
          source: path.resolve(plan.source),
          settings: { runtime: plan.runtime },
          signal,
          teardownTimeoutMs: 5_000,
          onEvent: (event) => {
            if (event.type === 'job-start') jobId.current = event.job.id;
            options.upload?.onEvent(event);
            options.otel?.onEvent(event);
            if (event.type === 'run-end') harborOutputs.onRunEnd(event.run);
            display.onEvent(event);
          },
          logger: options.logger,
          fileTracking: options.upload?.fileTracking,
          admit: budget ? () => budget.exhausted() : undefined,
        });
        display.stop();
        await harborOutputs.flush();
        return job;
      } finally {
        display.stop();
      }
    },
  );
}

/**
 * `--remote`: the tasks (a platform taskset, or a local source's rows naming deployed environments) go to
 * the gateway's queue and `hud worker`s run them; this process follows the job (platform/hosted-eval.ts).
 * @throws Error without `HUD_API_KEY`, for an unknown agent, for a missing taskset; PlatformError.
 */
async function runRemote(
  plan: EvalPlan,
  context: {
    settings: Record<string, string | undefined>;
    store: JobStore;
    fallbacks: Readonly<Record<string, string>>;
    report: EvalReport;
    agents: readonly string[];
  },
): Promise<void> {
  const { settings, report } = context;
  const apiKey = settings.HUD_API_KEY?.trim();
  if (!apiKey)
    throw new Error('--remote runs on the platform: set HUD_API_KEY first (hud login, or hud set)');
  if (!context.agents.includes(plan.agent.name)) {
    throw new Error(`unknown agent '${plan.agent.name}' (known: ${context.agents.join(', ')})`);
  }
  const { fetchRemoteTaskset, hostedEval } = await import('../platform/hosted-eval.js');
  const client = platformClient(settings);
  const taskset = existsSync(path.resolve(plan.source))
    ? await loadTasks(plan, context.store, context.fallbacks, report.note)
    : selectTasks(
        await fetchRemoteTaskset(client, plan.source, report.note),
        plan.tasks,
        report.note,
      );
  await hostedEval({ plan, taskset, client, apiKey, report });
}

/**
 * `hud eval [source] [agent]`: plans the job from the flags, `.hud_eval.toml` and the resumed job
 * ({@link buildEvalPlan}), loads and selects the tasks, builds the agent, chooses the provider (importing
 * `@hud/runtimes-docker` / `@hud/harbor` only when needed), reaps orphaned containers before a Docker job,
 * runs the job with Ctrl-C handling ({@link runInterruptible}) and the live display, prints the summary
 * ({@link EvalReport}) and sets the exit code ({@link evalExitCode}).
 * @throws Error (printed as `hud: <message>` by the program) for a bad flag, source, agent or runtime.
 */
export async function runEval(
  source: string | undefined,
  agentName: string | undefined,
  flags: EvalFlags,
): Promise<void> {
  const report = new EvalReport({ json: Boolean(flags.json) });
  const settings = loadSettings();
  const agents = agentNames();
  // `.hud_eval.toml` defaults: below the command line, and below what a resumed job recorded.
  const configFile = readEvalConfigFile({
    cwd: process.cwd(),
    variables: settings,
    agents,
    warn: report.warn,
  });
  const store = new JobStore(path.resolve(flags.store));
  const resumed = flags.resume ? await store.openJob(flags.resume) : undefined;
  const plan = buildEvalPlan({
    source,
    agent: agentName,
    flags,
    configFile,
    resumed,
    agents,
    exists: existsSync,
  });
  const fallbacks = hudModuleFallbacks();
  if (plan.remote) {
    await runRemote(plan, { settings, store, fallbacks, report, agents });
    return;
  }
  // A taskset name with HUD_API_KEY set: the platform's taskset, run here (hud sync's counterpart).
  const platform = await platformTaskset(plan, settings, fallbacks, report.note);
  const taskset = platform
    ? selectTasks(platform.taskset, plan.tasks, report.note)
    : await loadTasks(plan, store, fallbacks, report.note);
  const budget = plan.budget ? new Budget(plan.budget) : undefined;
  const logger = plan.verbose > 1 ? stderrLogger({ verbose: true }) : undefined;
  // The agents read HUD_GATEWAY_URL; with only HUD_API_URL set (a self-hosted gateway) it derives from it.
  const agentSettings = settings.HUD_API_URL?.trim()
    ? { ...settings, HUD_GATEWAY_URL: platformUrls(settings).gateway }
    : settings;
  const agent = await buildAgent(plan, { settings: agentSettings, budget, logger });
  if (plan.runtime === 'local')
    await checkRowEnvironments(path.resolve(plan.source), taskset.tasks, fallbacks);
  // With HUD_API_KEY: spans and lifecycle reports go to the platform as the job runs (read from the store).
  const upload = startEvalUpload({
    settings,
    store,
    model: agent.model ?? null,
    agent: agent.name,
    say: report.say,
    warn: report.warn,
  });
  const otel = otelWanted(flags.otel, settings)
    ? await startEvalOtel({
        settings,
        store,
        agent: { name: agent.name, model: agent.model ?? null },
        say: report.say,
        warn: report.warn,
      })
    : undefined;
  // Container labels carry the job id, known once the job starts (or resumes).
  const jobId = { current: plan.resume };
  const chosen = await (platform?.provider ?? chooseProvider)({
    runtime: plan.runtime,
    source: plan.source,
    prewarm: prewarmCount(plan, taskset.size),
    readyTimeoutMs: plan.readyTimeoutMs,
    tasks: taskset.tasks,
    job: () => jobId.current,
    // Warnings always (why the env is served unbundled); the runtime's debug lines with -vv.
    logger: logger ?? stderrLogger(),
  });
  try {
    // Containers of earlier runs killed before their teardown (SIGKILL, a crash) go first.
    if (chosen.reapOrphans && plan.reap)
      report.reaped(await chosen.reapOrphans(), chosen.substrate);
    const job = await runJob({
      plan,
      taskset,
      agent,
      chosen,
      store,
      report,
      budget,
      logger,
      jobId,
      upload,
      otel,
    });
    report.finished(job, {
      storeRoot: store.root,
      cwd: process.cwd(),
      unpricedCalls: budget?.maxCostUsd !== undefined ? budget.unpricedCalls : 0,
      resumeLine: resumeLine(plan, job.id),
    });
    process.exitCode = evalExitCode(job);
  } finally {
    try {
      await chosen.close();
    } finally {
      // Bounded; an incomplete upload is one warning, never a failed eval.
      await upload?.finish();
      await otel?.finish();
    }
  }
}
