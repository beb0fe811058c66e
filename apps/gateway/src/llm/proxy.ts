import { pipeline, Transform } from 'node:stream';
import { createParser } from 'eventsource-parser';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, messageOf } from '../errors.js';
import { authOf } from '../http/auth.js';
import { canonicalRunId } from '../ids.js';
import type { GatewayStore } from '../store/store.js';
import { type Attempt, attemptTarget } from './attempt.js';
import type { KeyGuard, LimitRefusal } from './key-guard.js';
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

/** The response header naming the catalog model that answered (a fallback's name after a fallback). */
export const MODEL_HEADER = 'x-hud-model';

/** What the LLM routes share. */
export interface LlmContext {
  store: GatewayStore;
  options: LlmOptions;
  /** Teams' own provider keys (BYOK), used before the pooled ones. */
  vault?: ProviderKeyVault | undefined;
  /** Per-key rate limits and budgets. */
  guard: KeyGuard;
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

function refuse(reply: FastifyReply, refusal: LimitRefusal): FastifyReply {
  if (refusal.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(refusal.retryAfterSeconds));
  }
  return reply.status(refusal.status).send(refusal.body);
}

/**
 * Relays one LLM call: resolves the model through the catalog, checks the key's budgets and rate limits
 * ({@link KeyGuard}: 402/429 before anything goes upstream), sends the body upstream with the model id
 * swapped for the upstream one and the provider key in the provider's auth header, retries 429/5xx
 * ({@link attemptTarget}); when the provider still fails (or cannot be reached, or its stream breaks before
 * the first byte), tries the model's fallbacks (`LlmOptions.fallbacks`) in order. Answers with the upstream
 * status, headers and body — server-sent events piped through as they arrive — plus `x-hud-model` naming
 * the catalog model that answered. Usage (tokens, cost) is recorded under that model against the
 * `Trace-Id` trace.
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
  const resolve = (name: string) =>
    resolveTarget(
      context.store.models,
      auth.teamId,
      call.api,
      name,
      context.options,
      async (provider) => context.vault?.access(auth.teamId, provider),
    );
  const primary = await resolve(model);
  const refusal = await context.guard.admit(auth);
  if (refusal) return refuse(reply, refusal);
  const query = new URLSearchParams(request.url.split('?')[1] ?? '');
  const abort = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  const send = (target: LlmTarget) =>
    attemptTarget(
      target,
      {
        url: upstreamUrl(target, call.api, query, call.gemini),
        headers: upstreamHeaders(target, request.headers),
        body: JSON.stringify(
          call.pathModel === undefined ? { ...body, model: target.upstreamModel } : body,
        ),
        signal: abort.signal,
      },
      context.options.retry,
      (retry) =>
        request.log.warn(
          { provider: target.provider, model: target.model, ...retry },
          'retrying the provider',
        ),
    );
  let attempt = await send(primary);
  for (const name of context.options.fallbacks?.[primary.model] ?? []) {
    if (attempt.kind === 'answer') break;
    let fallback: LlmTarget;
    try {
      fallback = await resolve(name);
    } catch (error) {
      request.log.warn({ model: name, reason: messageOf(error) }, 'fallback model skipped');
      continue;
    }
    request.log.warn(
      { model: attempt.target.model, fallback: name, ...failureOf(attempt) },
      'the provider still fails: trying the next model',
    );
    attempt = await send(fallback);
  }
  reply.header(MODEL_HEADER, attempt.target.model);
  if (attempt.kind === 'unreachable') throw attempt.error;
  if (attempt.kind === 'failed') {
    const { answer } = attempt;
    request.log.warn(
      { provider: attempt.target.provider, status: answer.status, attempts: attempt.attempts },
      'provider still failing after retries: passing its answer on',
    );
    return reply.status(answer.status).headers(replyHeaders(answer.headers)).send(answer.body);
  }
  const { response, stream, target } = attempt;
  const record = (usage: TokenUsage | undefined, streamed: boolean, complete: boolean) =>
    recordUsage(context, request, target, call.api, traceId, usage, streamed, complete);
  const headers = replyHeaders(response.headers);
  if (!stream) {
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
  pipeline(stream, tap, (error) => {
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

function failureOf(attempt: Attempt): { status?: number; reason?: string } {
  if (attempt.kind === 'failed') return { status: attempt.answer.status };
  if (attempt.kind === 'unreachable') return { reason: attempt.error.message };
  return {};
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
    context.guard.addTokens(auth.keyId, (tokens.inputTokens ?? 0) + (tokens.outputTokens ?? 0));
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
