import { readFileSync, writeFileSync } from 'node:fs';
import {
  ErrorCode,
  formatPythonFloat,
  HudClient,
  HudError,
  type JsonObject,
  ProtocolError,
} from '@hud/protocol';
import type { Command } from 'commander';
import { holdBindings } from '../task-bindings.js';
import { loadTaskRows, pickTask } from '../task-source.js';

/** The server `hud task` attaches to when no --url is given (hud-python probes the same port). */
export const DEFAULT_URL = 'tcp://127.0.0.1:8765';

interface TaskFlags {
  source?: string;
  args?: string;
  url?: string;
  out?: string;
  answer?: string;
  answerFile?: string;
  readyTimeout?: string;
  bindings?: boolean;
  token?: string;
}

function parseArgs(text: string | undefined): JsonObject | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HudError('invalid_argument', `--args is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HudError(
      'invalid_argument',
      '--args must be a JSON object, e.g. \'{"word": "banana"}\'',
    );
  }
  return parsed as JsonObject;
}

/** The template id and args to send: from the source's row when given, else TASK verbatim with --args. */
async function resolveTask(
  task: string,
  flags: TaskFlags,
): Promise<{ id: string; args: JsonObject }> {
  const override = parseArgs(flags.args);
  if (!flags.source) return { id: task, args: override ?? {} };
  const row = pickTask(await loadTaskRows(flags.source), task);
  return { id: row.id, args: override && Object.keys(override).length > 0 ? override : row.args };
}

async function connect(flags: TaskFlags): Promise<HudClient> {
  const url = flags.url ?? process.env.HUD_URL ?? DEFAULT_URL;
  const seconds = flags.readyTimeout === undefined ? 5 : Number(flags.readyTimeout);
  try {
    return await HudClient.connect(url, {
      readyTimeoutMs: seconds * 1000,
      heartbeatIntervalMs: 0,
      token: flags.token ?? (process.env.HUD_SERVE_TOKEN || undefined),
    });
  } catch (error) {
    if (HudError.isInstance(error) && error.code === 'not_ready') {
      throw new HudError(
        'connection_failed',
        `no environment answers at ${url}: start one with \`hud serve <env file>\` or pass --url`,
        { cause: error },
      );
    }
    throw error;
  }
}

function emit(frame: JsonObject, flags: TaskFlags, text: string): void {
  if (flags.out) writeFileSync(flags.out, `${JSON.stringify(frame, null, 2)}\n`);
  else console.log(text);
}

function promptText(frame: JsonObject): string {
  return typeof frame.prompt === 'string' ? frame.prompt : JSON.stringify(frame.prompt, null, 2);
}

function scoreText(frame: JsonObject): string {
  return typeof frame.score === 'number' ? formatPythonFloat(frame.score) : JSON.stringify(frame);
}

function readAnswer(flags: TaskFlags): string {
  if (flags.answerFile) return readFileSync(flags.answerFile, 'utf8');
  return flags.answer ?? '';
}

async function list(flags: TaskFlags): Promise<void> {
  if (flags.source) {
    for (const row of await loadTaskRows(flags.source)) {
      console.log(`${row.slug}\t${row.id} ${JSON.stringify(row.args)}`);
    }
    return;
  }
  const client = await connect(flags);
  try {
    for (const entry of await client.listTasks()) {
      console.log(`${entry.id}\t${entry.description}`);
    }
  } finally {
    await client.close();
  }
}

async function start(task: string, flags: TaskFlags): Promise<void> {
  const { id, args } = await resolveTask(task, flags);
  const client = await connect(flags);
  try {
    const frame = await client.startTask(id, args);
    emit(frame, flags, promptText(frame));
    if (flags.bindings) await holdBindings(client, frame, task);
  } finally {
    // No bye: the session parks so a later `hud task grade` (another process) adopts it.
    await client.close();
  }
}

async function grade(task: string, flags: TaskFlags): Promise<void> {
  const answer = readAnswer(flags);
  const client = await connect(flags);
  try {
    let frame: JsonObject;
    try {
      frame = await client.grade({ answer });
    } catch (error) {
      if (!ProtocolError.isInstance(error) || error.code !== ErrorCode.InvalidRequest) throw error;
      // Nothing to adopt (or several parked sessions): start the task here and grade it.
      const { id, args } = await resolveTask(task, flags);
      await client.startTask(id, args);
      frame = await client.grade({ answer });
    }
    emit(frame, flags, scoreText(frame));
  } finally {
    await client.close();
  }
}

async function runOnce(task: string, flags: TaskFlags): Promise<void> {
  const { id, args } = await resolveTask(task, flags);
  const client = await connect(flags);
  try {
    const started = await client.startTask(id, args);
    process.stderr.write(`${promptText(started)}\n`);
    const frame = await client.grade({ answer: readAnswer(flags) });
    emit(frame, flags, scoreText(frame));
  } finally {
    await client.bye().catch(() => undefined);
    await client.close();
  }
}

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
    ).action((flags: TaskFlags) => list(flags));
    addCommon(parent.command(startName).argument('<task>', 'task slug, template id or index'))
      .description('start a task and print its prompt; the session parks for a later grade')
      .option('-a, --args <json>', 'task args as a JSON object (overrides the row in --source)')
      .option('-o, --out <file>', 'write the whole start frame as JSON to this file')
      .option(
        '--bindings',
        "print the session's capability bindings as local URLs (shell, MCP…) and keep them open until Ctrl-C; the task stays parked",
      )
      .action((task: string, flags: TaskFlags) => start(task, flags));
    addCommon(parent.command('grade').argument('<task>', 'task slug, template id or index'))
      .description('grade the parked task (or start and grade TASK) and print the score')
      .option('--answer <text>', 'the answer to grade', '')
      .option('--answer-file <file>', 'read the answer from a file')
      .option('-a, --args <json>', 'task args when the task has to be started here')
      .option('-o, --out <file>', 'write the whole grade frame as JSON to this file')
      .action((task: string, flags: TaskFlags) => grade(task, flags));
    addCommon(parent.command('run').argument('<task>', 'task slug, template id or index'))
      .description('start and grade a task in one connection')
      .option('--answer <text>', 'the answer to grade', '')
      .option('--answer-file <file>', 'read the answer from a file')
      .option('-a, --args <json>', 'task args as a JSON object')
      .option('-o, --out <file>', 'write the whole grade frame as JSON to this file')
      .action((task: string, flags: TaskFlags) => runOnce(task, flags));
  }
}
