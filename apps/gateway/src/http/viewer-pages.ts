import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { RouteFlags } from './auth.js';

/** The viewer's page paths, each answered with its `index.html` (the page reads the path itself). */
export const VIEWER_PAGES = [
  '/',
  '/jobs',
  '/jobs/:id',
  '/traces/:id',
  '/tasksets/:id',
  '/compare',
] as const;

/**
 * Where the built viewer is: `dist/viewer/` (copied from `@hud/viewer` by this package's build), found next
 * to this module when it runs from `dist/`, else in `../dist/viewer/` (tests run the sources). Undefined
 * when neither holds an `index.html`.
 */
export function defaultViewerDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL('../viewer/', import.meta.url)),
    fileURLToPath(new URL('../../dist/viewer/', import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

/**
 * Serves the trace viewer (jobs, job, trace pages) as public static files: `/assets/*` and the pages of
 * {@link VIEWER_PAGES}. The pages hold no data; they call `/v2/jobs…`, `/v2/trace…` and
 * `/v2/tasksets/{id}/leaderboard` with the key the user gives them (kept in the browser's localStorage,
 * sent as `Authorization: Bearer`; the live streams also take it as `?api_key=`, which EventSource needs).
 * Every data route checks the key like the rest of the API. Without a built viewer (`dir` undefined)
 * nothing is registered.
 */
export function installViewerPages(app: FastifyInstance, dir: string | undefined): void {
  if (!dir) return;
  const flags: RouteFlags = { public: true };
  app.register(fastifyStatic, { root: dir, serve: false });
  app.get<{ Params: { '*': string } }>('/assets/*', { config: flags }, (request, reply) =>
    reply.sendFile(`assets/${request.params['*']}`),
  );
  for (const page of VIEWER_PAGES) {
    app.get(page, { config: flags }, (_request, reply) => reply.sendFile('index.html'));
  }
}
