import type { Command } from 'commander';
import { DEFAULT_URL } from '../defaults.js';
import type { TaskFlags } from './task-actions.js';

/** The actions, loaded when one runs (the protocol client is not needed to print the help). */
const actions = () => import('./task-actions.js');

function addCommon(command: Command): Command {
  return command
    .option(
      '-s, --source <file>',
      'tasks or environment module to resolve TASK from (slug, id or index)',
    )
    .option(
      '-u, --url <url>',
      `control channel of a running environment (default: $HUD_URL or ${DEFAULT_URL})`,
    )
    .option('--ready-timeout <seconds>', 'how long to wait for the environment to answer', '5')
    .option(
      '--token <secret>',
      'the shared secret of a server started with `hud serve --token` (default: $HUD_SERVE_TOKEN)',
    );
}

/** `hud task list|start|grade|run`, and `hud scenario list|setup|grade|run` as aliases (older HUD docs). */
export function registerTask(program: Command): void {
  for (const [group, startName, description] of [
    ['task', 'start', 'start, grade and list tasks on a running environment'],
    ['scenario', 'setup', 'alias of `hud task` (scenario = task in older HUD docs)'],
  ] as const) {
    const parent = program.command(group).description(description);
    addCommon(
      parent
        .command('list')
        .description('list the tasks of a source, or the templates of a server'),
    ).action(async (flags: TaskFlags) => (await actions()).list(flags));
    addCommon(parent.command(startName).argument('<task>', 'task slug, template id or index'))
      .description('start a task and print its prompt; the session parks for a later grade')
      .option('-a, --args <json>', 'task args as a JSON object (overrides the row in --source)')
      .option('-o, --out <file>', 'write the whole start frame as JSON to this file')
      .option(
        '--bindings',
        "print the session's capability bindings as local URLs (shell, MCP…) and keep them open until Ctrl-C; the task stays parked",
      )
      .action(async (task: string, flags: TaskFlags) => (await actions()).start(task, flags));
    addCommon(parent.command('grade').argument('<task>', 'task slug, template id or index'))
      .description('grade the parked task (or start and grade TASK) and print the score')
      .option('--answer <text>', 'the answer to grade', '')
      .option('--answer-file <file>', 'read the answer from a file')
      .option('-a, --args <json>', 'task args when the task has to be started here')
      .option('-o, --out <file>', 'write the whole grade frame as JSON to this file')
      .action(async (task: string, flags: TaskFlags) => (await actions()).grade(task, flags));
    addCommon(parent.command('run').argument('<task>', 'task slug, template id or index'))
      .description('start and grade a task in one connection')
      .option('--answer <text>', 'the answer to grade', '')
      .option('--answer-file <file>', 'read the answer from a file')
      .option('-a, --args <json>', 'task args as a JSON object')
      .option('-o, --out <file>', 'write the whole grade frame as JSON to this file')
      .action(async (task: string, flags: TaskFlags) => (await actions()).runOnce(task, flags));
  }
}
