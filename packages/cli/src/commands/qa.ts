import type { Command } from 'commander';
import { DEFAULT_STORE } from '../defaults.js';
import type { QaCheckFlags } from './qa-check.js';
import type { QaRunFlags } from './qa-local.js';

/**
 * `hud qa …` (spec §9.8): `run` reviews stored traces with a QA workflow (a model-graded review giving a
 * passed/flagged verdict), `results` lists verdicts, `agents` lists the workflows, `check` self-tests a
 * taskset's graders with the oracle and nop agents. `run`, `results` and `agents` read the local job store,
 * or the gateway (HUD_API_URL) when HUD_API_KEY is set and neither --local nor --store is given.
 */
export function registerQa(program: Command): void {
  const qa = program
    .command('qa')
    .description('QA your runs: review traces with QA workflows, list verdicts, self-test graders');
  qa.command('run')
    .description(
      'review traces with a QA workflow (false-negative, false-positive, failure-analysis, reward-hacking, or a .json/.toml workflow file); exit 1 unless every verdict passed',
    )
    .argument('<workflow>', 'a standard workflow id or a custom workflow file')
    .argument('<ids...>', 'job ids (each expands to its traces) or trace ids')
    .option('--agent <name>', 'the judge harness: claude, openai or openai_compatible', 'claude')
    .option('--model <model>', "the judge model (default: the harness's default model)")
    .option('--overwrite', 'review again traces that already have a verdict of this workflow')
    .option('--local', 'use the local job store even when HUD_API_KEY is set')
    .option(
      '--store <dir>',
      `the local job store directory (default ${DEFAULT_STORE}; implies --local)`,
    )
    .option('--wait', 'on the gateway: review and wait for the verdicts (the default)')
    .option(
      '--no-wait',
      'on the gateway: start the reviews and return without waiting for verdicts',
    )
    .option('--timeout <seconds>', 'on the gateway: how long to wait for verdicts', '900')
    .option('--json', 'print {results} as JSON')
    .action(async (workflow: string, ids: string[], flags: QaRunFlags) =>
      (await import('./qa-source.js')).qaRun(workflow, ids, flags),
    );
  qa.command('results')
    .description('list QA verdicts of jobs or traces')
    .argument('<type>', 'job or trace')
    .argument('<ids...>', 'the job or trace ids')
    .option('--local', 'use the local job store even when HUD_API_KEY is set')
    .option(
      '--store <dir>',
      `the local job store directory (default ${DEFAULT_STORE}; implies --local)`,
    )
    .option('--json', 'print {results} as JSON')
    .action(async (type: string, ids: string[], flags: QaRunFlags) =>
      (await import('./qa-source.js')).qaResults(type, ids, flags),
    );
  qa.command('agents')
    .description('list the QA workflows (QA agents) that can review traces')
    .option('--subject-type <type>', 'environment, taskset or task (the gateway filters by it)')
    .option('--limit <count>', 'how many to list', '50')
    .option('--offset <count>', 'how many to skip', '0')
    .option('--local', 'list the built-in workflows even when HUD_API_KEY is set')
    .option('--json', 'print {items} as JSON')
    .action(async (flags: Record<string, string | boolean | undefined>) =>
      (await import('./qa-source.js')).qaAgents(flags),
    );
  qa.command('worker')
    .description(
      "review the gateway's pending QA results (hud qa run --no-wait, and every ended trace of a taskset with a QA column) until stopped",
    )
    .option('--agent <name>', 'the judge harness: claude, openai or openai_compatible', 'claude')
    .option('--model <model>', "the judge model (default: the harness's default model)")
    .option('--poll <seconds>', 'how long to wait when nothing is pending', '5')
    .option('--once', 'stop when nothing is pending')
    .action(async (flags: { agent?: string; model?: string; once?: boolean; poll?: string }) =>
      (await import('./qa-source.js')).qaWorkerCommand(flags),
    );
  qa.command('check')
    .description(
      'self-test the graders: run oracle and nop over every task; flag oracle < 1.0, nop > 0.0 and oracle rewards that vary within a group',
    )
    .argument('<tasks>', 'a tasks file or directory, as hud eval takes')
    .option('--group <n>', 'runs per task and agent (a group > 1 finds flaky graders)', '1')
    .option('--runtime <runtime>', 'where the environment runs, as hud eval --runtime', 'local')
    .option('--max-concurrent <n>', 'rollouts at once', '4')
    .option('--json', 'print {tasks} as JSON')
    .action(async (tasks: string, flags: QaCheckFlags) =>
      (await import('./qa-check.js')).qaCheck(tasks, flags),
    );
}
