import type { Content, GenerateContentParameters, GoogleGenAI } from '@google/genai';
import type * as Adapter from '../../model/adapter.js';
import { type HarnessOptions, ModelHarness } from '../../model/harness.js';
import { classifyHttpError, retryAfterFromHeaders } from '../../model/retry.js';
import { lazy, OptionalPeer } from '../lazy.js';
import { type GeminiRequestSettings, geminiRequestSettings } from './gemini-config.js';
import {
  appendParts,
  type CallRecord,
  functionResponsePart,
  MALFORMED_FUNCTION_CALL,
  parseResponse,
  promptContents,
  pruneScreenshots,
} from './gemini-contents.js';
import { geminiSpec } from './gemini-spec.js';
import { geminiToolProviders } from './gemini-tools.js';

/**
 * `@google/genai`, an optional peer dependency imported on first use (loading it costs time `hud` need not
 * pay up front, and users of other harnesses need not install it).
 */
export const genaiSdk: OptionalPeer<typeof import('@google/genai')> = new OptionalPeer(
  '@google/genai',
  () => import('@google/genai'),
);

/** The model the `gemini` agent uses without `--model` (hud-python 0.6.16 `GeminiConfig.model`). */
export const DEFAULT_GEMINI_MODEL: string = geminiSpec.defaultModel;

/** The API version requests go to: the one with `parametersJsonSchema`, computer use and thinking levels. */
export const GEMINI_API_VERSION = 'v1beta';

/** `candidates[0].finishMessage` of a raw generateContent response, if it has one. */
async function finishMessageOf(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { candidates?: { finishMessage?: unknown }[] };
    const message = body.candidates?.[0]?.finishMessage;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** What a failed request left behind for {@link GeminiAdapter.classifyError}. */
interface FailureInfo {
  headers: Headers | undefined;
  /** The SDK's own timeout fired (it aborts like a caller would). */
  timedOut: boolean;
}

/** What the conversation hands its client factory. */
export interface ClientOptions {
  /**
   * A fetch that keeps what the SDK drops: the headers of a failed response (`retry-after`; `ApiError` has
   * none) and an unread copy of a successful one (`finishMessage`).
   */
  fetch: typeof globalThis.fetch;
  /** `request_timeout_seconds` in ms (the SDK's `httpOptions.timeout`). */
  timeoutMs: number;
}

/** Failure details by error object: the SDK's `ApiError` carries neither headers nor a timeout flag. */
const failures = new WeakMap<object, FailureInfo>();

/**
 * One run's conversation over generateContent: holds the `contents` history (the model's turns unchanged,
 * thought signatures included, as Gemini 3 requires), answers function calls with one `user` turn of
 * `functionResponse` parts and sends only the last few screenshot turns' images.
 */
export class GeminiConversation implements Adapter.ModelConversation {
  readonly #client: () => Promise<GoogleGenAI>;
  readonly #init: Adapter.ConversationInit;
  readonly #settings: GeminiRequestSettings;
  readonly #contents: Content[];
  #calls = new Map<string, CallRecord>();
  #callCount = 0;
  /** Response headers of the last failed HTTP response (set by the client's fetch). */
  #failedHeaders: Headers | undefined;
  /** An unread copy of the last successful response, for fields the SDK drops. */
  #lastResponse: Response | undefined;

  /**
   * `client` is called once, at the first {@link next}, with a fetch that notes failed responses' headers
   * and the request time limit.
   * @throws AgentError `invalid_config` for a setting of the wrong type or an unknown choice.
   */
  constructor(
    client: (options: ClientOptions) => Promise<GoogleGenAI>,
    init: Adapter.ConversationInit,
  ) {
    this.#init = init;
    this.#settings = geminiRequestSettings(init);
    this.#contents = promptContents(init.messages);
    const fetch: typeof globalThis.fetch = async (input, requestInit) => {
      const response = await globalThis.fetch(input, requestInit);
      this.#failedHeaders = response.ok ? undefined : response.headers;
      this.#lastResponse = response.ok ? response.clone() : undefined;
      return response;
    };
    const timeoutMs = this.#settings.timeoutMs;
    this.#client = lazy(() => client({ fetch, timeoutMs }));
  }

  /** The request the next {@link next} sends (older screenshots pruned; no abort signal). */
  request(): GenerateContentParameters {
    return {
      model: this.#init.model,
      contents: pruneScreenshots(this.#contents, this.#settings.keepScreenshotTurns),
      config: { ...this.#settings.config },
    };
  }

  async next({ signal }: { signal: AbortSignal }): Promise<Adapter.ModelTurn> {
    const client = await this.#client();
    const request = this.request();
    request.config = { ...request.config, abortSignal: signal };
    this.#failedHeaders = undefined;
    this.#lastResponse = undefined;
    let response: Awaited<ReturnType<GoogleGenAI['models']['generateContent']>>;
    try {
      response = await client.models.generateContent(request);
    } catch (error) {
      if (typeof error === 'object' && error !== null) {
        failures.set(error, {
          headers: this.#failedHeaders,
          timedOut: (error as Error).name === 'AbortError' && !signal.aborted,
        });
      }
      throw error;
    }
    const raw = this.#lastResponse;
    this.#lastResponse = undefined;
    const candidate = response.candidates?.[0];
    if (candidate?.finishReason === MALFORMED_FUNCTION_CALL && !candidate.finishMessage && raw) {
      // The SDK drops `finishMessage`, which quotes the call Gemini could not produce.
      candidate.finishMessage = await finishMessageOf(raw);
    }
    const parsed = parseResponse(response, {
      requestedModel: this.#init.model,
      toolNames: this.#settings.tools.toolNames,
      nextId: () => `gemini_call_${++this.#callCount}`,
    });
    if (parsed.content) this.#contents.push(parsed.content);
    this.#calls = parsed.calls;
    return parsed.turn;
  }

  addToolResults(results: readonly Adapter.ToolResultEntry[]): void {
    const responses = [];
    const notes = [];
    for (const { call, output } of results) {
      const record = this.#calls.get(call.id);
      if (record?.malformed) {
        // Gemini kept no call to answer: tell the model in words.
        const text = output.content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
        notes.push({
          text: `Your last function call (${record.functionName}) could not be used: ${text.join('\n')}`,
        });
        continue;
      }
      const name =
        record?.functionName ?? this.#settings.tools.functionNames.get(call.name) ?? call.name;
      responses.push(functionResponsePart(name, record?.providerId, output));
    }
    appendParts(this.#contents, 'user', [...responses, ...notes]);
  }

  addUserText(text: string): void {
    appendParts(this.#contents, 'user', [{ text }]);
  }
}

/** Options of {@link GeminiAdapter}: identity overrides (default: `geminiSpec`), tools (default `geminiToolProviders`). */
export type GeminiAdapterOptions = HarnessOptions;

/** `retryDelay` of a `google.rpc.RetryInfo` detail in Google's error body (`"31s"`, `"1.5s"`), in ms. */
export function retryInfoDelayMs(message: string): number | undefined {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return undefined;
  }
  const details = (body as { error?: { details?: unknown } } | null)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = (detail as { retryDelay?: unknown } | null)?.retryDelay;
    const seconds =
      typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay.trim())?.[1] : undefined;
    if (seconds !== undefined) return Number(seconds) * 1000;
  }
  return undefined;
}

/**
 * The `gemini` agent's harness (hud-python `GeminiAgent`, spec §7.5): Gemini's generateContent through the
 * official `@google/genai` SDK (API `v1beta`, non-streaming, SDK retries off), `role: model` for the
 * assistant. Tools: the workspace's Gemini CLI tools, the screen as Gemini computer use (0–999 grid turned
 * into pixels), MCP and browser tools as function declarations. Settings: {@link GeminiConfig}.
 * @example
 * const adapter = new GeminiAdapter();
 * const conversation = adapter.start(
 *   { model: 'gemini-3-pro-preview', system: undefined, messages, tools, config: {} },
 *   { apiKey: 'test', baseURL: fake.url, headers: {} },
 * );
 * const turn = await conversation.next({ signal });
 */
export class GeminiAdapter extends ModelHarness {
  constructor(options: GeminiAdapterOptions = {}) {
    super(geminiSpec, geminiToolProviders, options);
  }

  /**
   * Starts a conversation; the client is `new GoogleGenAI({apiKey, vertexai: false, apiVersion: 'v1beta',
   * httpOptions: {baseUrl, headers, timeout}})` (no `/v1beta` in `baseUrl`; the SDK adds it).
   * @throws AgentError `invalid_config` for a setting of the wrong type or an unknown choice.
   */
  override start(
    init: Adapter.ConversationInit,
    endpoint: Adapter.ProviderEndpoint,
  ): GeminiConversation {
    return new GeminiConversation(async ({ fetch, timeoutMs }) => {
      const { GoogleGenAI } = await genaiSdk.load(`the ${this.name} agent`);
      return new GoogleGenAI({
        apiKey: endpoint.apiKey,
        vertexai: false,
        apiVersion: GEMINI_API_VERSION,
        httpOptions: {
          ...(endpoint.baseURL !== undefined ? { baseUrl: endpoint.baseURL } : {}),
          headers: { ...endpoint.headers },
          timeout: timeoutMs,
          fetch,
        },
      });
    }, init);
  }

  /**
   * Retryable: 408, 409, 429, 529 and 5xx responses, dropped or refused connections, and requests past
   * `request_timeout_seconds`; `retryAfterMs` from the response's `retry-after` or Google's `RetryInfo`.
   * Not: other 4xx, aborts, a blocked prompt.
   */
  override classifyError(error: unknown): Adapter.ErrorClass {
    const failure = typeof error === 'object' && error !== null ? failures.get(error) : undefined;
    if (failure?.timedOut) return { status: undefined, retryable: true, retryAfterMs: undefined };
    const classified = classifyHttpError(error);
    if (classified.status === undefined) return classified;
    const retryAfterMs =
      retryAfterFromHeaders(failure?.headers) ??
      (error instanceof Error ? retryInfoDelayMs(error.message) : undefined);
    return { ...classified, retryAfterMs };
  }
}
