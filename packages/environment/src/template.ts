import { ErrorCode, HudError, type JsonObject, type TaskRow, taskSlug } from '@hud/protocol';
import type { z } from 'zod';
import { argsJsonSchema, coerceArg, returnsJsonSchema } from './args-schema.js';
import { pythonRepr } from './python-repr.js';

/** The answer a typed template (one with `returns`) receives: parsed when it validates, else raw. */
export type TypedAnswer<T> =
  | { valid: true; content: T; raw: string }
  | { valid: false; content: unknown; raw: string };

/** What a template's body receives besides its args. */
export interface TemplateContext {
  /** The environment serving the task (its capabilities, e.g. a workspace). */
  readonly env: unknown;
  /** Aborted when the task is cancelled or its session expires. */
  readonly signal: AbortSignal;
}

/**
 * Reference solution of a template: returns the answer an ideal agent would give, after performing any
 * actions in the substrate it needs (used by `tasks.solve` and the `oracle` agent). Or it returns a tool
 * solution (`solveWithTools({calls, answer})`): the tool calls an agent would make through its own tools
 * (e.g. `bash` over a shell workspace), which the `oracle` agent then makes and records in the trace, and
 * the final answer; nothing runs in the environment then. It receives the very
 * {@link TemplateContext} object the task's body got, on every call: for a multi-step task it runs once per
 * step, and tells the steps apart by state the body keeps for that context (e.g. a `WeakMap` keyed by it).
 */
export type Solution<Args> = (args: Args, context: TemplateContext) => unknown;

/** Declaration of a template (spec §1.2). */
export interface TemplateOptions<
  ArgsSchema extends z.ZodType = z.ZodType,
  ReturnsSchema extends z.ZodType | undefined = undefined,
> {
  /** Template id, unique per environment (default: the generator function's name). */
  id?: string;
  description?: string;
  /** zod schema of the args object; published as JSON Schema in `tasks.list`. */
  args?: ArgsSchema;
  /** zod schema of a structured answer: the answer is parsed into {@link TypedAnswer} before the body sees it. */
  returns?: ReturnsSchema;
  /** Reference solution (hud-ts extension). */
  solution?: Solution<z.output<ArgsSchema>>;
}

/** The answer type a template body receives. Plain templates get the answer verbatim (usually a string). */
export type AnswerOf<ReturnsSchema> = ReturnsSchema extends z.ZodType
  ? TypedAnswer<z.output<ReturnsSchema>>
  : string;

/**
 * A template body: an async generator whose first `yield` is the prompt (a string, a list of chat messages,
 * or a frame `{prompt, bindings?}`), which receives the agent's answer, and whose second `yield` (or return
 * value) is the grade: a number in [0, 1], an EvaluationResult `{reward, ...}`, or `{score, ...}`.
 *
 * Multi-step tasks (hud-ts extension, Harbor `[[steps]]`): a yielded grade with `done: false` and a
 * `prompt` (the next instruction, in any form a first yield takes) grades one step and opens the next, in
 * the same environment; the value sent back into that yield is the agent's answer to the next step, and the
 * next yield is that step's grade, again either a step (`done: false` + `prompt`) or final. A step's grade
 * may carry `agent_timeout_seconds`, the agent's time limit for the next step. hud-ts agents run again on
 * each prompt and take the last grade as the run's reward, so the final grade is where the steps combine
 * (their mean, or the last step's); a hud-python client ignores `done` and stops after the first grade.
 * A `done: false` grade without a prompt is an ordinary final grade.
 * @example
 * async function* ({ word }) {
 *   const reversed = yield `Spell '${word}' backwards.`;
 *   const first = reversed === [...word].reverse().join('') ? 1 : 0;
 *   const upper = yield { score: first, done: false, prompt: `Now write '${word}' in capitals.` };
 *   yield (first + (upper === word.toUpperCase() ? 1 : 0)) / 2;
 * }
 */
export type TemplateBody<Args, Answer> = (
  args: Args,
  context: TemplateContext,
) => AsyncGenerator<unknown, unknown, Answer>;

/** A registered template, as the server uses it. */
export interface Template {
  readonly id: string;
  readonly description: string;
  readonly argsSchema: z.ZodType | undefined;
  readonly returnsSchema: z.ZodType | undefined;
  readonly body: TemplateBody<unknown, unknown>;
  readonly solution: Solution<unknown> | undefined;
  /** The `tasks.list` entry: `{id, description, args, returns?}`. */
  readonly manifest: JsonObject;
  /** JSON Schema of the args (also in `manifest.args`). */
  readonly argsJsonSchema: JsonObject;
}

const ENVIRONMENT_OF = Symbol.for('hud.task-environment');

/** A task row minted by a template in this process, remembering its environment (not serialised). */
export type MintedTask = TaskRow & { readonly [ENVIRONMENT_OF]?: unknown };

/** The environment a task row was minted by in this process, if any (hud-python's `Task._env`). */
export function environmentOfTask(task: TaskRow): unknown {
  return (task as MintedTask)[ENVIRONMENT_OF];
}

/** A callable that mints task rows for one template: `count({ word: 'banana', letter: 'a' })`. */
export interface TaskFactory<Args> {
  (args: Args): TaskRow;
  readonly template: Template;
  readonly id: string;
}

/** Builds a {@link Template} record from a declaration; checks the id and body. */
export function createTemplate(
  options: TemplateOptions<z.ZodType, z.ZodType | undefined>,
  body: unknown,
): Template {
  if (typeof body !== 'function') {
    throw new HudError(
      'template_error',
      'env.template: the body must be an async generator function',
    );
  }
  const id = options.id ?? body.name;
  if (!id) throw new HudError('template_error', 'env.template: give the template an id');
  const argsSchema = argsJsonSchema(options.args);
  const manifest: JsonObject = { id, description: options.description ?? '', args: argsSchema };
  if (options.returns) manifest.returns = returnsJsonSchema(options.returns);
  return {
    id,
    description: options.description ?? '',
    argsSchema: options.args,
    returnsSchema: options.returns,
    body: body as TemplateBody<unknown, unknown>,
    solution: options.solution as Solution<unknown> | undefined,
    manifest,
    argsJsonSchema: argsSchema,
  };
}

/**
 * A TaskFactory minting rows `{env, id, args, slug}` for `template`. Args are checked against the schema at
 * mint time and stored as given (defaults are not filled in, so slugs match hud-python's for the same call).
 * @throws HudError `invalid_argument` naming the template and the offending arg.
 */
export function createTaskFactory<Args>(
  template: Template,
  environment: { name: string },
): TaskFactory<Args> {
  const factory = ((args: Args) => {
    const given = (args ?? {}) as JsonObject;
    const problem = bindProblem(template, given) ?? validationProblem(template, given);
    if (problem) {
      throw new HudError('invalid_argument', `template '${template.id}': ${problem}`);
    }
    const row: TaskRow = {
      env: environment.name,
      id: template.id,
      args: given,
      slug: taskSlug(template.id, given),
    };
    Object.defineProperty(row, ENVIRONMENT_OF, { value: environment, enumerable: false });
    return row;
  }) as TaskFactory<Args>;
  Object.defineProperty(factory, 'template', { value: template });
  Object.defineProperty(factory, 'id', { value: template.id });
  return factory;
}

/**
 * The signature-binding check of hud-python (`inspect.signature(func).bind(**args)`): the first missing
 * required arg in declaration order, else the first unexpected one. Returns Python's message or undefined.
 */
export function bindProblem(template: Template, args: JsonObject): string | undefined {
  const schema = template.argsJsonSchema;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const name of Object.keys(properties)) {
    if (required.has(name) && !(name in args)) return `missing a required argument: '${name}'`;
  }
  if (schema.additionalProperties !== true) {
    for (const name of Object.keys(args)) {
      if (!(name in properties)) return `got an unexpected keyword argument '${name}'`;
    }
  }
  return undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'args'}: ${issue.message}`)
    .join('; ');
}

function validationProblem(template: Template, args: JsonObject): string | undefined {
  if (!template.argsSchema) return undefined;
  const result = template.argsSchema.safeParse(args);
  return result.success ? undefined : describeIssues(result.error);
}

/**
 * Binds, coerces and validates args received in `tasks.start`.
 * Returns the parsed args or the error `{code, message}` to send (hud-python's texts where it has one).
 */
export function prepareArgs(
  template: Template,
  args: JsonObject,
): { ok: true; args: unknown } | { ok: false; code: number; message: string } {
  const bindError = bindProblem(template, args);
  if (bindError) {
    const given = pythonRepr(Object.keys(args).sort());
    return {
      ok: false,
      code: ErrorCode.ServerError,
      message: `task '${template.id}': bad args ${given}: ${bindError}`,
    };
  }
  if (!template.argsSchema) return { ok: true, args };
  let result = template.argsSchema.safeParse(args);
  if (!result.success) {
    const properties = (template.argsJsonSchema.properties ?? {}) as Record<
      string,
      Record<string, unknown>
    >;
    const coerced: JsonObject = {};
    for (const [name, value] of Object.entries(args))
      coerced[name] = coerceArg(value, properties[name]);
    result = template.argsSchema.safeParse(coerced);
  }
  if (!result.success) {
    // hud-python passes un-coercible values through silently and fails later; we refuse them up front.
    return {
      ok: false,
      code: ErrorCode.InvalidParams,
      message: `task '${template.id}': bad args: ${describeIssues(result.error)}`,
    };
  }
  return { ok: true, args: result.data };
}

/**
 * The value a template receives as its answer, from the `tasks.grade` payload (hud-python `_build_answer`):
 * verbatim `payload.answer` without `returns`; with `returns`, the answer parsed (JSON text or object) and
 * validated, falling back to the raw value, plus `raw` (the text, or Python's `str()` of a non-string).
 */
export function buildAnswer(template: Template, payload: JsonObject): unknown {
  if (!template.returnsSchema) return payload.answer ?? null;
  // `payload.get("answer", "")`: only a missing key defaults to ""; an explicit null stays None.
  const raw = 'answer' in payload ? payload.answer : '';
  let candidate: unknown = raw;
  let parsedText = true;
  if (typeof raw === 'string') {
    try {
      candidate = JSON.parse(raw);
    } catch {
      parsedText = false;
    }
  }
  const rawText = typeof raw === 'string' ? raw : pythonRepr(raw);
  if (parsedText) {
    const result = template.returnsSchema.safeParse(candidate);
    if (result.success) return { valid: true, content: result.data, raw: rawText };
  }
  return { valid: false, content: raw, raw: rawText };
}
