import { Command, CommanderError } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerCancel } from './commands/cancel.js';
import { registerDebug } from './commands/debug.js';
import { registerDeploy } from './commands/deploy.js';
import { registerEval } from './commands/eval.js';
import { registerGateway } from './commands/gateway.js';
import { registerInit } from './commands/init.js';
import { registerJobs } from './commands/jobs.js';
import { registerKeys } from './commands/keys.js';
import { registerLogin } from './commands/login.js';
import { registerModels } from './commands/models.js';
import { registerQa } from './commands/qa.js';
import { registerServe } from './commands/serve.js';
import { registerSet } from './commands/set.js';
import { registerSync } from './commands/sync.js';
import { registerTask } from './commands/task.js';
import { registerTrace } from './commands/trace.js';
import { registerView } from './commands/view.js';
import { registerWorker } from './commands/worker.js';
import { CLI_VERSION } from './version.js';

/** Builds the `hud` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('hud')
    .description(
      'Build environments for AI agents, turn them into graded tasks, and run agents over them.',
    )
    .version(CLI_VERSION, '--version', 'print the hud-ts version')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('version')
    .description('print the hud-ts version')
    .action(() => {
      console.log(`hud-ts ${CLI_VERSION} (wire-compatible with hud-python 0.6.16)`);
    });
  registerServe(program);
  registerTask(program);
  registerEval(program);
  registerInit(program);
  registerJobs(program);
  registerTrace(program);
  registerView(program);
  registerSet(program);
  registerBuild(program);
  registerDebug(program);
  registerDeploy(program);
  registerModels(program);
  registerQa(program);
  registerLogin(program);
  registerKeys(program);
  registerCancel(program);
  registerGateway(program);
  registerSync(program);
  registerWorker(program);
  return program;
}

/** Runs the CLI with `argv` (as `process.argv`); returns the exit code. Errors are printed, not thrown. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    // Loaded here, not at start-up: `hud --help` must not pay for the protocol package.
    const { HudError, ProtocolError } = await import('@hud/protocol');
    if (HudError.isInstance(error) || ProtocolError.isInstance(error)) {
      console.error(`hud: ${error.message}`);
      return 1;
    }
    // Stack traces only on request: a user needs the message, a developer sets HUD_DEBUG=1.
    const detail =
      error instanceof Error
        ? process.env.HUD_DEBUG
          ? (error.stack ?? error.message)
          : error.message
        : String(error);
    console.error(`hud: ${detail}`);
    return 1;
  }
}
