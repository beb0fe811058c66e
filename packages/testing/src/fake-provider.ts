import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { isRawReply, type ProviderRoute } from './provider-route.js';
import type { RecordedRequest } from './recorded-request.js';
import { builtinRoutes } from './routes/index.js';
import { type FakeTurn, isDropTurn, isErrorTurn } from './turns.js';

/** Computes the turn for a request instead of taking it from the queue. */
export type FakeHandler = (body: unknown, request: RecordedRequest) => FakeTurn | Promise<FakeTurn>;

/** Options of {@link startFakeProvider}. */
export interface FakeProviderOptions {
  /** Turns answered in order, one per request, across all routes. */
  turns?: readonly FakeTurn[] | undefined;
  /** Answers every request (takes precedence over `turns`). */
  handler?: FakeHandler | undefined;
  /** Routes to serve; default {@link defaultRoutes} (every built-in and registered provider route). */
  routes?: readonly ProviderRoute[] | undefined;
}

const registeredRoutes: ProviderRoute[] = [...builtinRoutes];

/**
 * The routes served by default: the built-in ones (`routes/index.ts`) and any added with
 * {@link registerFakeRoute}. A live view: registering a route later shows up here.
 */
export const defaultRoutes: readonly ProviderRoute[] = registeredRoutes;

/**
 * Adds a provider route to {@link defaultRoutes} (replacing a route with the same name), so every fake
 * provider started afterwards serves it. Returns a function that removes it again.
 */
export function registerFakeRoute(route: ProviderRoute): () => void {
  const existing = registeredRoutes.findIndex((candidate) => candidate.name === route.name);
  if (existing >= 0) registeredRoutes.splice(existing, 1, route);
  else registeredRoutes.push(route);
  return () => {
    const position = registeredRoutes.indexOf(route);
    if (position >= 0) registeredRoutes.splice(position, 1);
  };
}

function sleep(ms: number | undefined): Promise<void> {
  return ms && ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A scripted fake LLM provider: a real HTTP server on `127.0.0.1` (random port) answering provider routes
 * from a queue of turns or a handler, recording every request. When the queue is empty it answers 500 with
 * the provider's error envelope, so a test that under-scripts fails loudly. Create with
 * {@link startFakeProvider}; close with `close()` or `await using`.
 */
export class FakeProvider {
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Base URL without a path, e.g. `http://127.0.0.1:41234` (OpenAI SDKs need `${url}/v1`). */
  readonly url: string;
  readonly #app: FastifyInstance;
  readonly #turns: FakeTurn[];
  readonly #handler: FakeHandler | undefined;

  private constructor(app: FastifyInstance, url: string, options: FakeProviderOptions) {
    this.#app = app;
    this.url = url;
    this.#turns = [...(options.turns ?? [])];
    this.#handler = options.handler;
  }

  /** Starts a server on `127.0.0.1:0`; same as {@link startFakeProvider}. */
  static async start(options: FakeProviderOptions = {}): Promise<FakeProvider> {
    const app = fastify({ logger: false });
    // Accept any body: record it parsed when it is JSON, raw otherwise (never reject before recording).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      done(null, parseBody(body as string));
    });
    // Routes are registered before listen(); requests only arrive after `provider` is set.
    let provider: FakeProvider | undefined;
    for (const route of options.routes ?? defaultRoutes) {
      app.route({
        method: route.method,
        url: route.url,
        handler: async (request, reply) => {
          const self = provider as FakeProvider;
          return self.#answer(
            route,
            self.#record(request, route.name),
            (request.params ?? {}) as Record<string, string>,
            reply,
          );
        },
      });
    }
    app.setNotFoundHandler(async (request, reply) => {
      if (provider) provider.#record(request, null);
      reply.code(404);
      return { error: { message: `fake provider: no route for ${request.method} ${request.url}` } };
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    provider = new FakeProvider(app, url, options);
    return provider;
  }

  /** Appends turns to the queue. */
  push(...turns: FakeTurn[]): void {
    this.#turns.push(...turns);
  }

  /** Turns still queued. */
  get pendingTurns(): number {
    return this.#turns.length;
  }

  /** Request bodies that matched the route named `route`, in arrival order. */
  bodiesFor(route: string): unknown[] {
    return this.requestsFor(route).map((request) => request.body);
  }

  /** Requests that matched the route named `route` (e.g. `openai-chat`). */
  requestsFor(route: string): RecordedRequest[] {
    return this.requests.filter((request) => request.route === route);
  }

  #record(request: FastifyRequest, route: string | null): RecordedRequest {
    const recorded: RecordedRequest = {
      index: this.requests.length,
      method: request.method,
      path: request.url,
      headers: { ...request.headers },
      body: request.body,
      route,
    };
    this.requests.push(recorded);
    return recorded;
  }

  async #answer(
    route: ProviderRoute,
    recorded: RecordedRequest,
    params: Record<string, string>,
    reply: FastifyReply,
  ): Promise<unknown> {
    let turn: FakeTurn | undefined;
    try {
      turn = this.#handler ? await this.#handler(recorded.body, recorded) : this.#turns.shift();
    } catch (error) {
      turn = { status: 500, message: `fake provider handler threw: ${(error as Error).message}` };
    }
    turn ??= {
      status: 500,
      message: `fake provider: no scripted turn left for ${recorded.method} ${recorded.path}`,
    };
    await sleep(turn.delayMs);
    if (isDropTurn(turn)) {
      reply.raw.socket?.destroy();
      return reply.hijack();
    }
    if (isErrorTurn(turn)) {
      reply.code(turn.status);
      if (turn.headers) reply.headers({ ...turn.headers });
      return turn.body ?? route.errorBody(turn.status, turn.message ?? 'fake provider error');
    }
    const rendered = route.render(turn, {
      body: recorded.body,
      index: recorded.index,
      request: recorded,
      params,
    });
    if (isRawReply(rendered)) {
      reply.headers({ ...rendered.headers, 'content-type': rendered.contentType });
      return rendered.payload;
    }
    return rendered;
  }

  /** Stops the server, closing idle keep-alive connections. */
  async close(): Promise<void> {
    await this.#app.close();
  }

  /** Same as {@link FakeProvider.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Starts a {@link FakeProvider} on `127.0.0.1:0`.
 * @example
 * await using fake = await startFakeProvider({ turns: [{ text: 'hi' }, { status: 429, headers: { 'retry-after': '0' } }] });
 * const client = new OpenAI({ apiKey: 'test', baseURL: `${fake.url}/v1`, maxRetries: 0 });
 */
export function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  return FakeProvider.start(options);
}
