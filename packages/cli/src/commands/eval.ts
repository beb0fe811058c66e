import type { Command } from 'commander';
import { DEFAULT_STORE } from '../defaults.js';
import { type EvalFlags, REMOTE_RUNTIME_CONFLICT } from '../eval/plan.js';

/**
 * Refuses flags `--remote` cannot take, before anything is read or started: `--runtime` (the workers
 * choose it), `--resume` (a job of the local store), `--watch` (re-runs local files), and the limits this
 * process enforces on its own rollouts (`--max-cost`, `--max-tokens`, `--timeout`, `--agent-timeout`,
 * `--ready-timeout`).
 * @throws Error naming the flag, why, and what to do instead.
 */
export function checkRemoteFlags(flags: EvalFlags): void {
  if (!flags.remote) return;
  if (flags.runtime !== undefined) throw new Error(REMOTE_RUNTIME_CONFLICT);
  if (flags.resume) {
    throw new Error(
      `--resume re-runs a job of the local job store: it cannot be combined with --remote (follow a job of the platform with hud jobs ${flags.resume} --follow)`,
    );
  }
  if (flags.watch) {
    throw new Error(
      "--watch re-runs the job here when local files change: it cannot be combined with --remote (the job runs on the gateway's workers); drop one of them",
    );
  }
  // Enforced by this process over its own rollouts: with --remote they would be silently ignored.
  const local = [
    ['--max-cost', flags.maxCost],
    ['--max-tokens', flags.maxTokens],
    ['--timeout', flags.timeout],
    ['--agent-timeout', flags.agentTimeout],
    ['--ready-timeout', flags.readyTimeout],
  ].filter(([, value]) => value !== undefined);
  if (local.length > 0) {
    const names = local.map(([flag]) => flag).join(', ');
    throw new Error(
      `${names} ${local.length === 1 ? 'applies' : 'apply'} to rollouts run here: not to --remote, whose rollouts the workers run (a job's spend is capped by its key: hud keys update <id> --budget-usd/--budget-tokens; a worker's readiness limit is hud worker --ready-timeout); drop ${local.length === 1 ? 'it' : 'them'}`,
    );
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
      "local | docker[:image] | kubernetes[:namespace] (KUBECONFIG or ~/.kube/config) | e2b[:template] (E2B_API_KEY) | daytona[:image] (DAYTONA_API_KEY) | modal[:image] (MODAL_TOKEN_ID, MODAL_TOKEN_SECRET) | hud (a gateway's workers; HUD_API_KEY, HUD_RUNTIME_URL or HUD_API_URL) | inprocess | tcp://host:port (default local, or the resumed job's)",
    )
    .option(
      '--remote',
      "run on the platform: submit the rollouts to the gateway's queue (hud worker runs them) and follow the job",
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
      '--otel',
      'export each rollout as OpenTelemetry spans (GenAI conventions) over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318); on by itself when that variable is set (--no-otel: off)',
    )
    .option(
      '--no-otel',
      'do not export OpenTelemetry spans even when OTEL_EXPORTER_OTLP_ENDPOINT is set',
    )
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
    .addHelpText(
      'after',
      `
Examples:
  hud eval tasks.ts                          the first task with the oracle agent, here
  hud eval tasks.ts claude --all --group 4   every task 4 times with Claude
  hud eval tasks.ts oracle --runtime docker  each rollout in a container of the built image
  hud eval letter-count claude --remote      a platform taskset's rollouts queued for hud worker,
                                             this process following the job (hud jobs <id> --follow later)
  hud eval tasks.ts claude --runtime hud     the agent here, each environment on a gateway's hud worker`,
    )
    .action(
      async (
        source: string | undefined,
        agentName: string | undefined,
        flags: EvalFlags & { groupSize?: string },
      ) => {
        if (flags.groupSize) flags.group = flags.groupSize;
        checkRemoteFlags(flags);
        if (flags.watch) {
          if (!source) throw new Error('--watch needs a task source');
          const { watchEval } = await import('../eval/watch.js');
          await watchEval(process.argv, source);
          return;
        }
        const { runEval } = await import('../eval/run-eval.js');
        await runEval(source, agentName, flags);
      },
    );
}
