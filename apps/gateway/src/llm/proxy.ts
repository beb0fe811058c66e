import { pipeline, Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createParser } from 'eventsource-parser';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, messageOf } from '../errors.js';
import { authOf } from '../http/auth.js';
import { canonicalRunId } from '../ids.js';
import type { GatewayStore } from '../store/store.js';
import type { LlmApi, LlmOptions } from './options.js';
import { costOf, priceOfModel } from './prices.js';
import type { ProviderKeyVault } from './provider-keys.js';
import {
  type GeminiPath,
  type LlmTarget,
  replyHeaders,
  resolveTarget,
  upstreamHeaders,
  upstreamUrl,
} from './target.js';
import { StreamUsage, type TokenUsage, usageOfBody } from './token-usage.js';
import { callUpstream } from './upstream.js';

/** What the LLM routes share. */
export interface LlmContext {
  store: GatewayStore;
  options: LlmOptions;
  /** Teams' own provider keys (BYOK), used before the pooled ones. */
  vault?: ProviderKeyVault | undefined;
}

/** One client call: the API, the model it names and (Gemini) the version and method in its path. */
export interface LlmCall {
  api: LlmApi;
  /** The model from the path (Gemini); else read from the body's `model`. */
  pathModel?: string;
  /** Gemini: the API version and method in the path (sent upstream the same). */
  gemini?: GeminiPath;
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'invalid body: expected a JSON object');
  }
  return body as Record<string, unknown>;
}

function traceIdOf(request: FastifyRequest): string | null {
  const raw = request.headers['trace-id'];
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return canonicalRunId(raw.trim(), 'Trace-Id header');
}

/**
 * Relays one LLM call: resolves the model through the catalog, sends the body upstream with the model id
 * swapped for the upstream one and the provider key in the provider's auth header, retries 429/5xx
 * ({@link callUpstream}), then answers with the upstream status, headers and body — server-sent events
 * piped through as they arrive. Usage (tokens, cost) is recorded against the `Trace-Id` trace.
 * @throws GatewayError for a bad body, an unknown model, a provider without a key, an unreachable provider.
 */
export async function relayLlmCall(
  context: LlmContext,
  call: LlmCall,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const auth = authOf(request);
  const body = bodyObject(request.body);
  const model = call.pathModel ?? body.model;
  if (typeof model !== 'string' || model === '') {
    throw new GatewayError('invalid_request', 'invalid body: model: a model name is required');
  }
  const traceId = traceIdOf(request);
  const target = await resolveTarget(
    context.store.models,
    auth.teamId,
    call.api,
    model,
    context.options,
    async (provider) => context.vault?.access(auth.teamId, provider),
  );
  const outgoing = call.pathModel === undefined ? { ...body, model: target.upstreamModel } : body;
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  const abort = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  const outcome = await callUpstream(
    {
      url: upstreamUrl(target, call.api, query, call.gemini),
      headers: upstreamHeaders(target, request.headers),
      body: JSON.stringify(outgoing),
      signal: abort.signal,
    },
    target.provider,
    context.options.retry,
    (retry) => request.log.warn({ provider: target.provider, ...retry }, 'retrying the provider'),
  );
  if (outcome.kind === 'failed') {
    const { answer } = outcome;
    request.log.warn(
      { provider: target.provider, status: answer.status, attempts: outcome.attempts },
      'provider still failing after retries: passing its answer on',
    );
    return reply.status(answer.status).headers(replyHeaders(answer.headers)).send(answer.body);
  }
  const { response } = outcome;
  const record = (usage: TokenUsage | undefined, streamed: boolean, complete: boolean) =>
    recordUsage(context, request, target, call.api, traceId, usage, streamed, complete);
  const headers = replyHeaders(response.headers);
  const isStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  if (!isStream || !response.body || !response.ok) {
    const payload = Buffer.from(await response.arrayBuffer());
    if (response.ok) await record(parsedUsage(call.api, payload), false, true);
    return reply.status(response.status).headers(headers).send(payload);
  }
  const tracker = new StreamUsage(call.api);
  const parser = createParser({ onEvent: (event) => tracker.onEvent(event) });
  const decoder = new TextDecoder();
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      done(null, chunk);
    },
  });
  const source = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  pipeline(source, tap, (error) => {
    if (error && !abort.signal.aborted) {
      request.log.warn(
        { provider: target.provider, reason: messageOf(error) },
        'the provider stream ended early',
      );
    }
    void record(tracker.usage, true, !error);
  });
  return reply.status(response.status).headers(headers).send(tap);
}

function parsedUsage(api: LlmApi, payload: Buffer): TokenUsage | undefined {
  try {
    return usageOfBody(api, JSON.parse(payload.toString('utf8')));
  } catch {
    return undefined;
  }
}

async function recordUsage(
  context: LlmContext,
  request: FastifyRequest,
  target: LlmTarget,
  api: LlmApi,
  traceId: string | null,
  usage: TokenUsage | undefined,
  streamed: boolean,
  complete: boolean,
): Promise<void> {
  const tokens = usage ?? { inputTokens: null, outputTokens: null, cachedTokens: null };
  try {
    const auth = authOf(request);
    await context.store.usage.recordUsage({
      teamId: auth.teamId,
      keyId: auth.keyId,
      traceId,
      model: target.model,
      upstreamModel: target.upstreamModel,
      provider: target.provider,
      api,
      streamed,
      complete,
      ...tokens,
      costUsd: costOf(tokens, priceOfModel(target.upstreamModel, target.model)),
    });
  } catch (error) {
    request.log.error({ reason: messageOf(error) }, 'could not record LLM usage');
  }
}
