import {
  ErrorCode,
  type EvaluationResult,
  evaluationToWire,
  type JsonObject,
  pyFloat,
  WireError,
} from '@hud/protocol';
import { pythonRepr } from './python-repr.js';
import { buildAnswer, type Template, type TemplateContext } from './template.js';
import { ToolSolution, type ToolSolutionCall, ToolSolutionError } from './tool-solution.js';

/** Python's type name of a yielded value, for hud-python's grade TypeError text. */
function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'object':
      return 'dict';
    case 'function':
      return 'function';
    default:
      return typeof value;
  }
}

function isNumeric(value: unknown): value is number | boolean {
  return typeof value === 'number' || typeof value === 'boolean';
}

/**
 * The `tasks.grade` result for what a template yielded as its grade (hud-python `TaskRunner.grade`):
 * a number → `{score}`; `{score, ...}` → passed through; `{reward, ...}` (EvaluationResult) → its wire dump
 * with `reward` renamed `score`. `score` is always written as a float (`1.0`).
 * @throws WireError ServerError (-32000) with hud-python's TypeError text for any other object (a dict
 *   without a numeric `score`, keys listed sorted) or value.
 */
export function normalizeGrade(templateId: string, value: unknown): Record<string, unknown> {
  if (isNumeric(value)) return { score: pyFloat(Number(value)) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    // An object with a numeric `reward` and no `score` is an EvaluationResult; any other object is a
    // Python dict, which must carry a numeric `score`.
    if (!('score' in record) && isNumeric(record.reward)) {
      return evaluationToWire({ ...record, reward: Number(record.reward) } as EvaluationResult);
    }
    if (!isNumeric(record.score)) {
      const keys = pythonRepr(Object.keys(record).sort());
      throw new WireError(
        ErrorCode.ServerError,
        `task '${templateId}' graded with a dict missing a numeric 'score' (keys: ${keys})`,
      );
    }
    return { ...record, score: pyFloat(Number(record.score)) };
  }
  throw new WireError(
    ErrorCode.ServerError,
    `task graded with ${pythonTypeName(value)}: yield a number, an object with a numeric .reward, or a dict containing a numeric 'score'`,
  );
}

/**
 * Whether a grade frame opens the next step of a multi-step task (hud-ts extension): `done: false` with a
 * non-null `prompt`.
 */
function isNextStep(frame: Record<string, unknown>): boolean {
  return frame.done === false && frame.prompt !== undefined && frame.prompt !== null;
}

/** The first-yield frame: a `{prompt, ...}` object as-is, anything else wrapped as `{prompt: value}`. */
export function promptFrame(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'prompt' in value) {
    return value as Record<string, unknown>;
  }
  return { prompt: value ?? null };
}

function isAsyncGenerator(value: unknown): value is AsyncGenerator<unknown, unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AsyncGenerator).next === 'function' &&
    typeof (value as AsyncGenerator).return === 'function'
  );
}

function kindOf(value: unknown): string {
  if (value instanceof Promise) return 'a Promise';
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a template body receives besides its args. The AbortController behind `signal` is made on first
 * use: most templates never look at it, and aborting one allocates a DOMException with a stack trace
 * (bench/: a start+grade cycle costs the server ~30% less CPU without it).
 */
class RunnerContext implements TemplateContext {
  readonly env: unknown;
  #controller: AbortController | undefined;
  #aborted = false;
  constructor(env: unknown) {
    this.env = env;
  }
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#aborted) this.#controller.abort();
    return this.#controller.signal;
  }
  abort(): void {
    this.#aborted = true;
    this.#controller?.abort();
  }
}

/**
 * One suspended task: a template generator between its first yield (prompt) and its grade (or, for a
 * multi-step task, between one step's grade and the next: see {@link TaskRunner.grade}).
 * Every path ends in {@link TaskRunner.close}, which finishes the generator (its `finally` blocks run).
 */
export class TaskRunner {
  readonly template: Template;
  readonly args: unknown;
  readonly #context: RunnerContext;
  #generator: AsyncGenerator<unknown, unknown, unknown> | undefined;
  #closed = false;

  constructor(template: Template, args: unknown, env: unknown) {
    this.template = template;
    this.args = args;
    this.#context = new RunnerContext(env);
  }

  /** Whether the runner was graded (its final step), cancelled or closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs the template to its first yield and returns the `tasks.start` frame.
   * @throws WireError ServerError (-32000) with the template's error message (the runner is closed).
   */
  start(): Promise<Record<string, unknown>> {
    // Promise chains rather than async functions: one promise per step, not one per level (the server
    // runs this on every `tasks.start`).
    let first: Promise<IteratorResult<unknown, unknown>>;
    try {
      const body: unknown = this.template.body(this.args, this.#context);
      if (!isAsyncGenerator(body)) {
        // A plain (async) function: swallow its promise's rejection, or it would crash the process.
        if (body instanceof Promise) body.catch(() => {});
        throw new WireError(
          ErrorCode.ServerError,
          `template '${this.template.id}' must be an async generator function (its body returned ${kindOf(body)})`,
        );
      }
      this.#generator = body;
      first = Promise.resolve(body.next());
    } catch (error) {
      return this.#fail(error);
    }
    return first.then(
      (result) => {
        if (result.done) {
          return this.#fail(
            new WireError(
              ErrorCode.ServerError,
              `task '${this.template.id}' ended before yielding a prompt`,
            ),
          );
        }
        return promptFrame(result.value);
      },
      (error: unknown) => this.#fail(error),
    );
  }

  /**
   * Sends the answer built from `payload` into the template and returns the normalised grade frame.
   * A template that ends without a grade scores 0.0; a template may also `return` its grade.
   *
   * The runner is closed afterwards, except for a step of a multi-step task (hud-ts extension): a yielded
   * grade with `done: false` and a non-null `prompt` (the next instruction, any form a first yield takes)
   * is returned with both keys kept, and the generator stays suspended at that yield, so the next `grade`
   * sends the next answer into it. A `done: false` grade without a prompt is just a grade (the runner
   * closes; `done` is data to hud-python).
   * @throws WireError InvalidRequest (-32600) when the runner is closed; ServerError (-32000) for template
   *   errors, ungradable values and a *returned* (not yielded) `done: false` grade with a prompt, which no
   *   answer could ever reach.
   */
  grade(payload: JsonObject): Promise<Record<string, unknown>> {
    let step: Promise<IteratorResult<unknown, unknown>>;
    try {
      if (!this.#generator || this.#closed)
        throw new WireError(ErrorCode.InvalidRequest, 'no task in progress');
      const answer = buildAnswer(this.template, payload);
      step = Promise.resolve(this.#generator.next(answer));
    } catch (error) {
      return this.#fail(error);
    }
    return step.then(
      (next) => {
        let frame: Record<string, unknown>;
        try {
          frame = this.#gradeFrame(next);
        } catch (error) {
          return this.#fail(error);
        }
        // A next step keeps the generator suspended; any other grade ends the task.
        if (isNextStep(frame) && !next.done) return frame;
        return this.#closeWith(frame);
      },
      (error: unknown) => this.#fail(error),
    );
  }

  /** The grade frame for what the generator yielded or returned. @throws as {@link TaskRunner.grade}. */
  #gradeFrame(next: IteratorResult<unknown, unknown>): Record<string, unknown> {
    if (next.done && next.value === undefined) return { score: pyFloat(0) };
    const frame = normalizeGrade(this.template.id, next.value);
    if (next.done && isNextStep(frame)) {
      throw new WireError(
        ErrorCode.ServerError,
        `task '${this.template.id}' returned a grade with done: false and a next prompt; yield it instead, so the task can go on`,
      );
    }
    return frame;
  }

  /** Closes the runner, then rejects with `error`: itself when a WireError, else a ServerError naming it. */
  #fail(error: unknown): Promise<never> {
    return this.close().then(() => {
      if (WireError.isInstance(error)) throw error;
      throw new WireError(ErrorCode.ServerError, messageOf(error), { cause: error });
    });
  }

  /**
   * Runs the template's reference solution with the task's args and the same {@link TemplateContext}
   * object the body got. It may run once per step of a multi-step task: a solution tells the steps apart
   * by state the template keeps, e.g. a `WeakMap` keyed by that context, which the body updates.
   *
   * A solution returning a {@link ToolSolution} (see `solveWithTools`) answers `{answer, tool_calls:
   * [{name, arguments}]}`: the calls are for the client (the `oracle` agent) to make through its tools;
   * nothing runs here.
   * @throws WireError MethodNotFound (-32601) when the template declares none; ServerError (-32000) when it
   *   throws (for an invalid tool solution: `template '<id>': solveWithTools: …`).
   */
  async solve(): Promise<{ answer: unknown; tool_calls?: ToolSolutionCall[] }> {
    const solution = this.template.solution;
    if (!solution) {
      throw new WireError(
        ErrorCode.MethodNotFound,
        `template '${this.template.id}' has no reference solution`,
      );
    }
    let answer: unknown;
    try {
      answer = await solution(this.args, this.#context);
    } catch (error) {
      const message = ToolSolutionError.isInstance(error)
        ? `template '${this.template.id}': ${error.message}`
        : messageOf(error);
      throw new WireError(ErrorCode.ServerError, message, { cause: error });
    }
    if (!ToolSolution.isInstance(answer)) return { answer };
    return {
      answer: answer.answer,
      tool_calls: answer.calls.map((call) => ({ name: call.name, arguments: call.arguments })),
    };
  }

  /** Aborts the task's signal and finishes the generator. Idempotent; never throws (nor rejects). */
  close(): Promise<void> {
    return this.#closeWith(undefined);
  }

  /** {@link TaskRunner.close}, then `value` (one promise, not a close and a `then` after it). */
  #closeWith<T>(value: T): Promise<T> {
    if (this.#closed) return Promise.resolve(value);
    this.#closed = true;
    this.#context.abort();
    const generator = this.#generator;
    if (!generator) return Promise.resolve(value);
    // A template failing in its cleanup must not take the session down.
    const settled = () => value;
    try {
      return Promise.resolve(generator.return(undefined)).then(settled, settled);
    } catch {
      return Promise.resolve(value);
    }
  }
}
