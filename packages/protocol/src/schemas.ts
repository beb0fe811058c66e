import { z } from 'zod';
import { ErrorCode, WireError } from './errors.js';
import type { Method } from './jsonrpc.js';

/**
 * Wire schemas of the HUD control channel (hud-python 0.6.16, spec §2.4). Every frame that crosses a process
 * boundary is validated with one of these. Keys are the wire's own (`session_id`, `isError`).
 */

/** Any JSON object. */
export const JsonObject = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObject>;

// Issue texts of the params schemas: a server's refusal reads `<method>: '<key>' <text>` (see paramsError).
const MUST_BE_OBJECT = 'must be an object';
const MUST_BE_STRING = 'must be a string';
/** A JSON object inside params (the refusal says "must be an object"). */
const ParamsObject = z.record(z.string(), z.unknown(), { error: MUST_BE_OBJECT });

/**
 * A capability binding as published in `hello.bindings`: `{name, protocol, url, params}`.
 * Parsing applies hud-python's `Capability.from_manifest`: `params` missing or null → `{}`; an `mcp/*`
 * binding without `params.transport` gets `"websocket"` for `ws:`/`wss:` URLs, else `"streamable-http"`.
 */
export const Capability = z
  .object({
    name: z.string(),
    protocol: z.string(),
    url: z.string(),
    params: JsonObject.nullish().transform((params) => params ?? {}),
  })
  .transform((binding) => {
    if (binding.protocol.split('/')[0] === 'mcp' && binding.params.transport === undefined) {
      const scheme = binding.url.split(':')[0]?.toLowerCase();
      const transport = scheme === 'ws' || scheme === 'wss' ? 'websocket' : 'streamable-http';
      return { ...binding, params: { ...binding.params, transport } };
    }
    return binding;
  });
/** A parsed capability binding. */
export type Capability = z.output<typeof Capability>;

/** `hello` params: `{}` or `{session_id}` to resume a parked session (plus `token` when the server has one). */
export const HelloParams = z.object(
  { session_id: z.string({ error: MUST_BE_STRING }).nullish() },
  { error: MUST_BE_OBJECT },
);
export type HelloParams = z.infer<typeof HelloParams>;

/** `hello` result: the session id, the environment's identity and its capability bindings. */
export const HelloResult = z.object({
  session_id: z.string(),
  env: z.object({ name: z.string(), version: z.string() }),
  bindings: z.array(Capability),
});
export type HelloResult = z.output<typeof HelloResult>;

/** One `tasks.list` entry: template id, description, JSON Schema of its args, optional `returns` schema. */
export const TaskManifestEntry = z.looseObject({
  id: z.string(),
  description: z.string(),
  args: JsonObject,
  returns: JsonObject.optional(),
});
export type TaskManifestEntry = z.infer<typeof TaskManifestEntry>;

/** `tasks.list` result. */
export const TasksListResult = z.object({ tasks: z.array(TaskManifestEntry) });
export type TasksListResult = z.infer<typeof TasksListResult>;

/** `tasks.start` params: a template id and its args (`null`/absent = `{}`). */
export const TasksStartParams = z.object(
  { id: z.string({ error: MUST_BE_STRING }), args: ParamsObject.nullish() },
  { error: MUST_BE_OBJECT },
);
export type TasksStartParams = z.infer<typeof TasksStartParams>;

/**
 * `tasks.start` result: the first yield of the template. `prompt` is a string or a list of chat messages;
 * `bindings` (optional) refines `hello.bindings` per episode: `{<capability name>: {...}}`.
 */
export const TasksStartResult = z.looseObject({
  prompt: z.unknown(),
  bindings: z.record(z.string(), JsonObject).optional(),
});
export type TasksStartResult = z.infer<typeof TasksStartResult>;

/** `tasks.grade` params: the whole object is the template's payload; `answer` is what the agent said. */
export const TasksGradeParams = z.looseObject({ answer: z.unknown().optional() });
export type TasksGradeParams = z.infer<typeof TasksGradeParams>;

/** A sub-score on the wire (hud-python `SubScore.model_dump`). */
export interface WireSubScore {
  name: string;
  weight: number;
  value: number;
  children?: WireSubScore[] | null;
  info?: JsonObject | null;
}
export const WireSubScore: z.ZodType<WireSubScore> = z.lazy(() =>
  z.object({
    name: z.string(),
    weight: z.number(),
    value: z.number(),
    children: z.array(WireSubScore).nullish(),
    info: JsonObject.nullish(),
  }),
);

/**
 * `tasks.grade` result: always a numeric `score` (the reward); optionally the rest of an EvaluationResult
 * (`done`, `content`, `info`, `isError`, `subscores`) and any extra keys the template added. `done: false`
 * with a non-null `prompt` (hud-ts extension) grades one step of a multi-step task and opens the next.
 */
export const GradeResult = z.looseObject({
  score: z.number(),
  done: z.boolean().nullish(),
  content: z.string().nullish(),
  info: JsonObject.nullish(),
  isError: z.boolean().nullish(),
  subscores: z.array(WireSubScore).nullish(),
});
export type GradeResult = z.infer<typeof GradeResult>;

/** `tasks.cancel` result. */
export const TasksCancelResult = z.object({ cancelled: z.boolean() });
/** `bye` result (the server closes the connection after sending it). */
export const ByeResult = z.object({ goodbye: z.boolean() });

/** `tunnel.open` params: the capability name to splice to (plus `token` when the server has one). */
export const TunnelOpenParams = z.object(
  { capability: z.string({ error: MUST_BE_STRING }) },
  { error: MUST_BE_OBJECT },
);
export type TunnelOpenParams = z.infer<typeof TunnelOpenParams>;

/**
 * A server's check of a request's params against their schema (`HelloParams`, `TasksStartParams`,
 * `TunnelOpenParams`): undefined when they conform, else the refusal to send, naming the method and the
 * first problem: `InvalidParams` with `<method>: '<key>' must be a string` (`'params'` when the params
 * themselves are not an object). These are hud-ts's texts; hud-python has none (it fails later, or answers
 * -32000 with a Python exception's text: spec §2.4).
 */
export function paramsError(
  method: Method,
  schema: z.ZodType,
  params: unknown,
): WireError | undefined {
  const result = schema.safeParse(params);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const key = issue?.path.length ? issue.path.join('.') : 'params';
  return new WireError(ErrorCode.InvalidParams, `${method}: '${key}' ${issue?.message}`);
}
/** `tunnel.open` result; raw bytes follow it on the same connection. */
export const TunnelOpenResult = z.object({ capability: z.string() });

/**
 * One tool call of a `tasks.solve` result (hud-ts extension): the tool's `name` as an agent's toolset has it
 * (`bash`, an MCP tool's name) and its `arguments`, a JSON object.
 */
export const SolveToolCall = z.object({ name: z.string().min(1), arguments: JsonObject });
export type SolveToolCall = z.infer<typeof SolveToolCall>;

/**
 * `tasks.solve` result (hud-ts extension): the template's reference `answer`, and, for a solution that acts
 * through an agent's tools (`solveWithTools` in `@hud/environment`), `tool_calls`: the calls, in order, for
 * the client (the `oracle` agent) to make through its own tools before answering. A malformed `tool_calls`
 * fails the client's check of the result (`ProtocolError` -32603 naming `tasks.solve`).
 */
export const TasksSolveResult = z.looseObject({
  answer: z.unknown(),
  tool_calls: z.array(SolveToolCall).optional(),
});
export type TasksSolveResult = z.infer<typeof TasksSolveResult>;

/**
 * A task row (hud-python `Task`, spec §5.1): the JSON-serialisable unit of a taskset. Unknown keys are
 * ignored, as pydantic does.
 */
export interface TaskRow {
  env: string;
  id: string;
  args: JsonObject;
  slug: string;
  validation?: JsonObject[] | null;
  agent_config?: JsonObject | null;
  columns?: JsonObject | null;
  runtime_config?: JsonObject | null;
  verifier?: TaskRow | null;
}
export const TaskRow: z.ZodType<TaskRow> = z.lazy(() =>
  z.object({
    env: z.string().min(1),
    id: z.string().min(1),
    args: JsonObject.default({}),
    slug: z.string().min(1),
    validation: z.array(JsonObject).nullish(),
    agent_config: JsonObject.nullish(),
    columns: JsonObject.nullish(),
    runtime_config: JsonObject.nullish(),
    verifier: TaskRow.nullish(),
  }),
);
