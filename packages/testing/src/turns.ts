/** A scripted reply with assistant text. */
export interface TextTurn {
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
export interface ToolCallsTurn {
  toolCalls: readonly FakeToolCall[];
  text?: string | undefined;
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
}

/** One scripted reply, in provider-neutral form; each route renders it in its provider's wire format. */
export type FakeTurn = TextTurn | ToolCallsTurn | ErrorTurn;

/** True for an {@link ErrorTurn}. */
export function isErrorTurn(turn: FakeTurn): turn is ErrorTurn {
  return typeof (turn as ErrorTurn).status === 'number';
}
