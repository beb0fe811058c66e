import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, HudError, isRecord } from '@hud/protocol';
import { parse, TomlError } from 'smol-toml';

/** The `hud eval` defaults file, looked up in the working directory (hud-python `_CONFIG_PATH`). */
export const EVAL_CONFIG_FILE = '.hud_eval.toml';

/** The `[eval]` defaults of `.hud_eval.toml`, with CLI names. */
export interface EvalFileDefaults {
  source?: string;
  agent?: string;
  all?: boolean;
  maxConcurrent?: number;
  maxSteps?: number;
  /** `group_size`. */
  group?: number;
  taskIds?: string[];
  /** 1 for `verbose = true`, 2 for `very_verbose = true`. */
  verbose?: number;
  /** `auto_respond`: the agent setting of that name, unless `-c auto_respond=…` says otherwise. */
  autoRespond?: boolean;
  runtime?: string;
  /** `remote = true`: run on the platform's workers, as `--remote` does (a `--runtime` flag turns it off). */
  remote?: boolean;
}

/** A read `.hud_eval.toml`. */
export interface EvalConfigFile {
  /** The file's absolute path. */
  file: string;
  defaults: EvalFileDefaults;
  /** Agent sections (`[claude]`, `[openai]`…): agent name → its settings, `model` included. */
  agents: Record<string, Record<string, unknown>>;
}

/** Spec §9.4's `[eval]` keys that hud-ts has no equivalent for, and why. */
const UNSUPPORTED: Record<string, string> = {
  gateway:
    'hud-ts routes through the HUD gateway by itself when HUD_API_KEY is the only key it has',
};

const EVAL_KEYS = [
  'source',
  'agent',
  'all',
  'max_concurrent',
  'max_steps',
  'group_size',
  'task_ids',
  'verbose',
  'very_verbose',
  'auto_respond',
  'gateway',
  'runtime',
  'remote',
];

const PLACEHOLDER = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\}|)/g;

interface Context {
  file: string;
  variables: Readonly<Record<string, string | undefined>>;
  warn: (message: string) => void;
}

/**
 * Python `string.Template.substitute` over a defaulting mapping (hud-python `_resolve_env_vars`): `${VAR}`
 * and `$VAR` become the variable's value, an unset one the empty string (with a warning), `$$` a `$`.
 * @throws HudError `invalid_argument` for a `$` that starts no placeholder.
 */
function substitute(text: string, key: string, context: Context): string {
  return text.replace(PLACEHOLDER, (match, dollar, bare, braced) => {
    if (dollar) return '$';
    const name = (bare ?? braced) as string | undefined;
    if (name === undefined) {
      throw new HudError(
        'invalid_argument',
        `${context.file}: ${key}: '$' must start \${NAME} or $NAME (write $$ for a literal $)`,
      );
    }
    const value = context.variables[name];
    if (value === undefined) {
      context.warn(`${context.file}: ${key}: ${match} is not set; it reads as an empty string`);
      return '';
    }
    return value;
  });
}

function resolve(value: unknown, key: string, context: Context): unknown {
  if (typeof value === 'string') return substitute(value, key, context);
  if (Array.isArray(value))
    return value.map((item, index) => resolve(item, `${key}[${index}]`, context));
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, resolve(item, `${key}.${name}`, context)]),
    );
  }
  return value;
}

function fail(context: Context, key: string, expected: string, value: unknown): never {
  throw new HudError(
    'invalid_argument',
    `${context.file}: [eval] ${key} must be ${expected}, got ${JSON.stringify(value)}`,
  );
}

function text(value: unknown, key: string, context: Context): string {
  return typeof value === 'string' && value !== ''
    ? value
    : fail(context, key, 'a non-empty string', value);
}

function flag(value: unknown, key: string, context: Context): boolean {
  return typeof value === 'boolean' ? value : fail(context, key, 'true or false', value);
}

function whole(value: unknown, key: string, context: Context): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1
    ? value
    : fail(context, key, 'a whole number ≥ 1', value);
}

function taskIds(value: unknown, context: Context): string[] {
  if (typeof value === 'string')
    return value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  if (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'string' || Number.isInteger(item))
  )
    return value.map(String);
  return fail(context, 'task_ids', 'a list of slugs or 0-based indexes', value);
}

function readDefaults(section: Record<string, unknown>, context: Context): EvalFileDefaults {
  const defaults: EvalFileDefaults = {};
  for (const [key, value] of Object.entries(section)) {
    switch (key) {
      case 'source':
        defaults.source = text(value, key, context);
        break;
      case 'agent':
        defaults.agent = text(value, key, context);
        break;
      case 'runtime':
        defaults.runtime = text(value, key, context);
        break;
      case 'all':
        defaults.all = flag(value, key, context);
        break;
      case 'remote':
        defaults.remote = flag(value, key, context);
        break;
      case 'auto_respond':
        defaults.autoRespond = flag(value, key, context);
        break;
      case 'verbose':
        if (flag(value, key, context)) defaults.verbose = Math.max(defaults.verbose ?? 0, 1);
        break;
      case 'very_verbose':
        if (flag(value, key, context)) defaults.verbose = 2;
        break;
      case 'max_concurrent':
        defaults.maxConcurrent = whole(value, key, context);
        break;
      case 'max_steps':
        defaults.maxSteps = whole(value, key, context);
        break;
      case 'group_size':
        defaults.group = whole(value, key, context);
        break;
      case 'task_ids':
        defaults.taskIds = taskIds(value, context);
        break;
      default:
        if (UNSUPPORTED[key]) {
          context.warn(`${context.file}: [eval] ${key} is ignored: ${UNSUPPORTED[key]}`);
        } else {
          context.warn(
            `${context.file}: unknown key '${key}' in [eval], ignored (known: ${EVAL_KEYS.join(', ')})`,
          );
        }
    }
  }
  if (defaults.remote && defaults.runtime !== undefined) {
    throw new HudError(
      'invalid_argument',
      `${context.file}: [eval] remote = true and runtime = ${JSON.stringify(defaults.runtime)} cannot both be set (remote runs on the platform's workers, which choose the runtime); drop one`,
    );
  }
  return defaults;
}

const isTable = (value: unknown): value is Record<string, unknown> =>
  isRecord(value) && !(value instanceof Date);

/**
 * Reads `.hud_eval.toml` from `options.cwd` (spec §9.4; hud-python reads the same file in the working
 * directory): `[eval]` defaults and per-agent sections (`[claude]`, `[openai]`, `[gemini]`,
 * `[openai_compatible]`, or any agent in `options.agents`), with `${VAR}` substituted from `variables` (the
 * CLI's settings: process environment, `./.env`, `~/.hud/.env`). Unknown keys and sections are warned
 * about and ignored. Unlike hud-python, a missing file is not created: undefined is returned.
 * @throws HudError `invalid_argument`: a file that is not valid TOML (naming the file, line and column), a
 *   value of the wrong type (naming the key), a `$` that starts no placeholder.
 * @example
 * const config = readEvalConfigFile({ cwd: process.cwd(), variables: loadSettings(), agents, warn });
 */
export function readEvalConfigFile(options: {
  cwd: string;
  variables: Readonly<Record<string, string | undefined>>;
  /** Agent names a section may have. */
  agents: readonly string[];
  warn: (message: string) => void;
}): EvalConfigFile | undefined {
  const file = path.join(options.cwd, EVAL_CONFIG_FILE);
  if (!existsSync(file)) return undefined;
  let data: Record<string, unknown>;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    if (cause instanceof TomlError) {
      const reason = (cause.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
      throw new HudError(
        'invalid_argument',
        `${file} line ${cause.line}, column ${cause.column}: not valid TOML: ${reason}\n${cause.codeblock.trimEnd()}`,
        { cause },
      );
    }
    throw new HudError('invalid_argument', `cannot read ${file}: ${errorMessage(cause)}`, {
      cause,
    });
  }
  const context: Context = { file, variables: options.variables, warn: options.warn };
  let defaults: EvalFileDefaults = {};
  const agents: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key !== 'eval' && !options.agents.includes(key)) {
      context.warn(
        `${file}: unknown ${isTable(value) ? 'section' : 'key'} '${key}', ignored (known: [eval], ${options.agents.map((name) => `[${name}]`).join(', ')})`,
      );
      continue;
    }
    if (!isTable(value)) {
      throw new HudError('invalid_argument', `${file}: '${key}' must be a [${key}] section`);
    }
    const resolved = Object.fromEntries(
      Object.entries(value).map(([name, item]) => [
        name,
        resolve(item, `[${key}] ${name}`, context),
      ]),
    );
    if (key === 'eval') defaults = readDefaults(resolved, context);
    else agents[key] = resolved;
  }
  return { file, defaults, agents };
}
