/** Token counts a scripted turn reports; each route maps them onto its provider's usage object. */
export interface FakeUsage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  /** Prompt tokens served from the provider's cache. */
  cachedTokens?: number | undefined;
}

/** Fields every successful turn may carry. */
interface TurnBase {
  /** Token counts to report; default the route's fixed usage. */
  usage?: FakeUsage | undefined;
  /** Model to report; default the request's model. */
  model?: string | undefined;
  /** Reasoning/thinking text, for routes that render it. */
  reasoning?: string | undefined;
  /** Wait this long before answering (to let a run's timeout fire); not a timing assertion. */
  delayMs?: number | undefined;
}

/** A scripted reply with assistant text. */
export interface TextTurn extends TurnBase {
  text: string;
  /** Provider-specific stop reason; default the provider's normal one (`stop` for OpenAI Chat). */
  finishReason?: string | undefined;
}

/** One tool call the fake model makes. */
export interface FakeToolCall {
  /** Call id; default `call_<request index>_<position>`. */
  id?: string | undefined;
  name: string;
  /** Arguments: an object (JSON-encoded for providers that send strings) or an already-encoded string. */
  arguments?: unknown;
}

/** A scripted reply asking for tool calls (optionally with text). */
export interface ToolCallsTurn extends TurnBase {
  toolCalls: readonly FakeToolCall[];
  text?: string | undefined;
  /** Provider-specific stop reason; default the provider's tool-call one. */
  finishReason?: string | undefined;
}

/**
 * A scripted HTTP error: `status`, optional `headers` (e.g. `retry-after`) and JSON `body`; without a body
 * the route writes its provider's error envelope carrying `message` (default `fake provider error`).
 */
export interface ErrorTurn {
  status: number;
  body?: unknown;
  headers?: Readonly<Record<string, string>> | undefined;
  message?: string | undefined;
  delayMs?: number | undefined;
}

/** A scripted connection reset: the server destroys the socket without answering. */
export interface DropTurn {
  drop: true;
  delayMs?: number | undefined;
}

/** One scripted reply, in provider-neutral form; each route renders it in its provider's wire format. */
export type FakeTurn = TextTurn | ToolCallsTurn | ErrorTurn | DropTurn;

/** True for an {@link ErrorTurn}. */
export function isErrorTurn(turn: FakeTurn): turn is ErrorTurn {
  return typeof (turn as ErrorTurn).status === 'number';
}

/** True for a {@link DropTurn}. */
export function isDropTurn(turn: FakeTurn): turn is DropTurn {
  return (turn as DropTurn).drop === true;
}
