import { type ClassOf, HudError, hasBrand, type JsonObject } from '@hud/protocol';
import { z } from 'zod';

/** One tool call of a {@link ToolSolution}: the tool's name as agents see it and its JSON arguments. */
export interface ToolSolutionCall {
  /** The tool name, e.g. `bash` (the workspace's shell tool) or an MCP tool's name. */
  name: string;
  /** The tool's arguments, a JSON object, e.g. `{command: 'node --test'}` for `bash`. */
  arguments: JsonObject;
}

/** What {@link solveWithTools} takes. */
export interface ToolSolutionInput {
  /** The tool calls an agent would make, in order (may be empty). */
  calls: readonly ToolSolutionCall[];
  /** The final answer, as a plain solution returns it (usually a string; any JSON value). */
  answer: unknown;
}

const BRAND = Symbol.for('hud.tool-solution');
const ERROR_BRAND = Symbol.for('hud.tool-solution-error');
const JsonArguments = z.record(z.string(), z.json());

/**
 * A {@link ToolSolution} that did not validate. `TaskRunner.solve` answers it as `-32000` naming the
 * template (`template '<id>': solveWithTools: …`).
 */
export class ToolSolutionError extends HudError {
  /** True for any ToolSolutionError, including one made by another install of this package. */
  static override isInstance<T>(this: ClassOf<T>, value: unknown): value is T {
    return hasBrand(value, ERROR_BRAND);
  }
  readonly [ERROR_BRAND] = true;
  constructor(message: string) {
    super('invalid_argument', `solveWithTools: ${message}`);
    this.name = 'ToolSolutionError';
  }
}

function checkedCall(call: unknown, index: number): ToolSolutionCall {
  const where = `calls[${index}]`;
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    throw new ToolSolutionError(`${where} must be an object {name, arguments}`);
  }
  const { name, arguments: args } = call as { name?: unknown; arguments?: unknown };
  if (typeof name !== 'string' || name === '') {
    throw new ToolSolutionError(`${where}.name must be a non-empty string`);
  }
  const parsed = JsonArguments.safeParse(args);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path ?? [];
    const at = path.length > 0 ? ` (at '${path.join('.')}')` : '';
    throw new ToolSolutionError(`${where}.arguments of '${name}' must be a JSON object${at}`);
  }
  return { name, arguments: parsed.data as JsonObject };
}

/**
 * A reference solution that acts through an agent's tools (hud-ts extension): the tool calls an agent would
 * make — through the tools the `oracle` agent builds from the environment's capabilities, e.g. `bash` over a
 * `shell` workspace — and the final answer. Nothing runs in the environment: `tasks.solve` answers
 * `{answer, tool_calls: [{name, arguments}]}` and the oracle makes the calls, recording them in the trace
 * like a model agent's. Make one with {@link solveWithTools}; the fields are frozen copies of the input.
 */
export class ToolSolution {
  /** Whether `value` is a ToolSolution, including one made by another install of this package. */
  static isInstance(value: unknown): value is ToolSolution {
    return hasBrand(value, BRAND);
  }
  readonly [BRAND] = true;
  readonly calls: readonly Readonly<ToolSolutionCall>[];
  readonly answer: unknown;

  /** @throws ToolSolutionError as {@link solveWithTools}. */
  constructor(input: ToolSolutionInput) {
    if (typeof input !== 'object' || input === null) {
      throw new ToolSolutionError('expected {calls, answer}');
    }
    if (!Array.isArray(input.calls)) throw new ToolSolutionError('calls must be an array');
    if (input.answer === undefined) throw new ToolSolutionError('answer is missing');
    this.calls = Object.freeze(
      input.calls.map((call, index) => Object.freeze(checkedCall(call, index))),
    );
    this.answer = input.answer;
  }
}

/**
 * Returns a {@link ToolSolution}: what a template's `solution` returns to solve the task through tool calls
 * instead of acting itself.
 * @example
 * solution: () => solveWithTools({
 *   calls: [{ name: 'bash', arguments: { command: 'node --test' } }],
 *   answer: 'The tests pass.',
 * }),
 * @throws ToolSolutionError (HudError `invalid_argument`) when `calls` is not an array, a call's `name` is
 *   not a non-empty string, its `arguments` not a JSON object, or `answer` is missing.
 */
export function solveWithTools(input: ToolSolutionInput): ToolSolution {
  return new ToolSolution(input);
}
