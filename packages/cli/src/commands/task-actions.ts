import { readFileSync, writeFileSync } from 'node:fs';
import {
  ErrorCode,
  formatPythonFloat,
  HudClient,
  HudError,
  type JsonObject,
  ProtocolError,
} from '@hud/protocol';
import { DEFAULT_URL } from '../defaults.js';
import { holdBindings } from '../task-bindings.js';
import { loadTaskRows, pickTask } from '../task-source.js';

/** The flags of `hud task …` as commander parses them. */
export interface TaskFlags {
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

/** `hud task list`: the rows of `--source`, else the templates of the server at `--url`. */
export async function list(flags: TaskFlags): Promise<void> {
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

/**
 * `hud task start <task>`: starts the task on the server and prints its prompt; the session parks (no
 * `bye`) for a later `hud task grade`. With `--bindings`, holds the session's capability bindings open.
 */
export async function start(task: string, flags: TaskFlags): Promise<void> {
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

/**
 * `hud task grade <task>`: grades the parked session (or starts TASK here when there is none to adopt) and
 * prints the score.
 */
export async function grade(task: string, flags: TaskFlags): Promise<void> {
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

/** `hud task run <task>`: starts and grades the task in one connection, printing prompt and score. */
export async function runOnce(task: string, flags: TaskFlags): Promise<void> {
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
