import type { TextTurn, ToolCallsTurn } from './turns.js';

/** What a route knows when it renders a turn. */
export interface RenderContext {
  /** The parsed JSON request body (or the raw text when it was not JSON). */
  body: unknown;
  /** 0-based arrival index of the request on the server. */
  index: number;
}

/**
 * One provider endpoint of the fake server. Each provider lives in its own file under `routes/` and turns
 * provider-neutral turns into that provider's response envelope.
 */
export interface ProviderRoute {
  /** Short id recorded with each request, e.g. `openai-chat`. */
  readonly name: string;
  readonly method: 'POST';
  /** Fastify path pattern, e.g. `/v1/chat/completions`. */
  readonly url: string;
  /** The JSON body of a successful reply. */
  render(turn: TextTurn | ToolCallsTurn, context: RenderContext): unknown;
  /** The JSON body of an error reply, in the provider's error envelope. */
  errorBody(status: number, message: string): unknown;
}
