import type { RecordedRequest } from './recorded-request.js';
import type { TextTurn, ToolCallsTurn } from './turns.js';

/** What a route knows when it renders a turn. */
export interface RenderContext {
  /** The parsed JSON request body (or the raw text when it was not JSON). */
  body: unknown;
  /** 0-based arrival index of the request on the server. */
  index: number;
  /** The recorded request (path, headers), e.g. to read a model from the path or a `stream` flag. */
  request: RecordedRequest;
  /** Fastify path parameters of the route's `url` pattern (e.g. `{ model }`). */
  params: Readonly<Record<string, string>>;
}

const RAW = Symbol.for('@hud/testing/raw-reply');

/** A reply body a route sends verbatim (e.g. a `text/event-stream` for streaming APIs); see {@link rawReply}. */
export interface RawReply {
  readonly [RAW]: true;
  readonly contentType: string;
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Wraps a verbatim body for {@link ProviderRoute.render} (default content type `text/event-stream`). */
export function rawReply(
  payload: string,
  contentType = 'text/event-stream',
  headers: Readonly<Record<string, string>> = {},
): RawReply {
  return { [RAW]: true, contentType, payload, headers };
}

/** True for a {@link RawReply}. */
export function isRawReply(value: unknown): value is RawReply {
  return typeof value === 'object' && value !== null && (value as RawReply)[RAW] === true;
}

/**
 * One provider endpoint of the fake server. Each provider lives in its own file under `routes/` and turns
 * provider-neutral turns into that provider's response envelope. Built-in routes are listed in
 * `routes/index.ts` (one line per provider); tests may add more with `registerFakeRoute` or pass
 * `routes` to `startFakeProvider`.
 */
export interface ProviderRoute {
  /** Short id recorded with each request, e.g. `openai-chat`. */
  readonly name: string;
  readonly method: 'POST' | 'GET';
  /** Fastify path pattern, e.g. `/v1/chat/completions`. */
  readonly url: string;
  /** The JSON body of a successful reply, or a {@link RawReply} sent verbatim. */
  render(turn: TextTurn | ToolCallsTurn, context: RenderContext): unknown;
  /** The JSON body of an error reply, in the provider's error envelope. */
  errorBody(status: number, message: string): unknown;
}
