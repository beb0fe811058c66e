import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { HudEvalError } from '@hud/eval';
import { HudError } from '@hud/protocol';
import fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { StoreApi } from './store-api.js';
import { streamStoreJob, streamStoreTrace } from './store-stream.js';

/**
 * Where the viewer's built pages are: `dist/viewer/` of this package, copied from `@hud/viewer`'s `dist/`
 * when the CLI is built.
 */
export const VIEWER_DIR = fileURLToPath(new URL('../viewer/', import.meta.url));

/** The pages the viewer answers with its `index.html` (it reads the path itself). */
export const VIEWER_PAGES = [
  '/',
  '/jobs',
  '/jobs/:id',
  '/traces/:id',
  '/tasksets/:id',
  '/compare',
] as const;

// The gateway's paging bounds (apps/gateway/src/schemas/platform.ts `PageQuery`, routes/jobs.ts spans).
const PageQuery = z.looseObject({
  limit: z.coerce.number().int().min(1).max(500).default(20),
  cursor: z.string().max(512).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
const SpanQuery = z.looseObject({
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
  cursor: z.string().max(512).optional(),
});
const JobListQuery = PageQuery.extend({
  q: z.string().max(200).optional(),
  status: z.enum(['pending', 'running', 'completed', 'cancelled']).optional(),
  taskset: z.string().max(512).optional(),
});

/** Options of {@link createViewServer}. */
export interface ViewServerOptions {
  /** The job store directory (`.hud/jobs`). */
  store: string;
  /** The viewer's built files (default {@link VIEWER_DIR}). */
  viewerDir?: string;
  /** How often live streams re-read the store, ms (default 500). */
  pollMs?: number;
}

function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new HudError(
    'invalid_argument',
    `query ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`.trim(),
  );
}

/**
 * The `hud view` server, not listening yet: the viewer's static pages plus read-only `GET` routes in the
 * gateway's shapes over a local job store — `/v2/jobs?limit=&cursor=&q=&status=&taskset=`,
 * `/v2/jobs/{id}`, `/v2/jobs/{id}/traces?limit=&offset=`, `/v2/jobs/{id}/stream` (SSE),
 * `/v2/trace/{id}`, `/v2/trace/{id}/spans?limit=&cursor=`, `/v2/trace/{id}/logs` and `/events`
 * (`?limit=&cursor=`), `/v2/trace/{id}/stream` (SSE), `/v2/jobs/{id}/qa` and `/v2/trace/{id}/qa` (the
 * QA results `hud qa run` recorded in `<job>/qa.jsonl`: `{items: QaResult[]}`), `/v2/tasksets/{idOrName}/leaderboard` (jobs grouped
 * by their taskset's name). No key: bind it to loopback only. Errors answer `{error: {code, message},
 * detail}` (404 for an unknown id, 400 for a bad query).
 * @throws HudError `load_failed` when the viewer's files are missing (a CLI built without them).
 */
export function createViewServer(options: ViewServerOptions): FastifyInstance {
  const root = options.viewerDir ?? VIEWER_DIR;
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new HudError(
      'load_failed',
      `the viewer's pages are missing (no ${path.join(root, 'index.html')}): rebuild @hud/cli after @hud/viewer`,
    );
  }
  const api = new StoreApi(options.store);
  const app = fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  app.register(fastifyStatic, { root, serve: false });

  app.setErrorHandler((error, _request, reply) => {
    if (HudEvalError.isInstance(error) && error.code === 'job_not_found') {
      return reply
        .code(404)
        .send({ error: { code: 'not_found', message: error.message }, detail: error.message });
    }
    if (
      (HudEvalError.isInstance(error) || HudError.isInstance(error)) &&
      error.code === 'invalid_argument'
    ) {
      return reply.code(400).send({
        error: { code: 'invalid_request', message: error.message },
        detail: error.message,
      });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const message = error instanceof Error ? error.message : String(error);
    return reply.code(status).send({ error: { code: 'internal', message } });
  });

  app.get('/v2/jobs', async (request) => {
    const query = parseQuery(JobListQuery, request.query);
    return api.listJobs(query.limit, query.cursor, {
      q: query.q,
      status: query.status,
      taskset: query.taskset,
    });
  });
  app.get<{ Params: { id: string } }>('/v2/jobs/:id', async (request) =>
    api.job(request.params.id),
  );
  app.get<{ Params: { id: string } }>('/v2/jobs/:id/traces', async (request) => {
    const query = parseQuery(PageQuery, request.query);
    return api.jobTraces(request.params.id, query.limit, query.offset);
  });
  app.get<{ Params: { id: string } }>('/v2/trace/:id', async (request) =>
    api.trace(request.params.id),
  );
  app.get<{ Params: { id: string } }>('/v2/trace/:id/spans', async (request) => {
    const query = parseQuery(SpanQuery, request.query);
    return api.spans(request.params.id, query.limit, query.cursor);
  });

  app.get<{ Params: { id: string } }>('/v2/trace/:id/logs', async (request) => {
    const query = parseQuery(SpanQuery, request.query);
    return api.side(request.params.id, 'logs', query.limit, query.cursor);
  });
  app.get<{ Params: { id: string } }>('/v2/trace/:id/events', async (request) => {
    const query = parseQuery(SpanQuery, request.query);
    return api.side(request.params.id, 'events', query.limit, query.cursor);
  });
  app.get<{ Params: { id: string } }>('/v2/jobs/:id/qa', async (request) =>
    api.jobQa(request.params.id),
  );
  app.get<{ Params: { id: string } }>('/v2/trace/:id/qa', async (request) =>
    api.traceQa(request.params.id),
  );
  app.get<{ Params: { id: string } }>('/v2/tasksets/:id/leaderboard', async (request) =>
    api.leaderboard(request.params.id),
  );
  installStreams(app, api, options.pollMs ?? 500);

  app.get<{ Params: { '*': string } }>('/assets/*', (request, reply) =>
    reply.sendFile(`assets/${request.params['*']}`),
  );
  for (const page of VIEWER_PAGES) {
    app.get(page, (_request, reply) => reply.sendFile('index.html'));
  }
  return app;
}

/** The two SSE routes; a stream ends when its client goes or the server closes. */
function installStreams(app: FastifyInstance, api: StoreApi, pollMs: number): void {
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  // The response's 'close' (not the request's, which fires once its body is read) means the client left.
  const live = (response: { once(event: 'close', listener: () => void): void }) => {
    const gone = new AbortController();
    response.once('close', () => gone.abort());
    return AbortSignal.any([gone.signal, closing.signal]);
  };
  app.get<{ Params: { id: string } }>('/v2/jobs/:id/stream', async (request, reply) => {
    await api.snapshot(request.params.id); // 404 before the stream starts
    const signal = live(reply.raw);
    reply.hijack();
    await streamStoreJob({
      api,
      jobId: request.params.id,
      response: reply.raw,
      signal,
      pollMs,
    }).catch(() => {});
  });
  app.get<{ Params: { id: string } }>('/v2/trace/:id/stream', async (request, reply) => {
    await api.trace(request.params.id);
    const signal = live(reply.raw);
    reply.hijack();
    await streamStoreTrace({
      api,
      traceId: request.params.id,
      response: reply.raw,
      signal,
      pollMs,
    }).catch(() => {});
  });
}
