import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import type { RuntimeSession } from '../runtime-sessions/session.js';
import type { RuntimeSessions } from '../runtime-sessions/session-registry.js';
import type { ClaimedSession } from '../runtime-sessions/session-types.js';
import { WorkerTeams } from '../runtime-sessions/worker-teams.js';
import type { RouteContext } from './context.js';

/** `POST /v2/workers/sessions/claim`: `{worker_id, capacity, wait_s?}`. */
const ClaimSessions = z.looseObject({
  worker_id: z.string().trim().min(1).max(128),
  capacity: z.number().int().min(0).max(1_000),
  wait_s: z.number().min(0).max(20).default(0),
});

/** `POST /v2/workers/sessions/{id}/failed`: `{error}`. */
const FailSession = z.looseObject({ error: z.string().max(10_000).default('') });

type WithId = FastifyRequest<{ Params: { id: string } }>;

/**
 * The session `request.params.id` claimed with the caller's key.
 * @throws GatewayError `not_found` for any other (unknown, unclaimed, another worker key's).
 */
function claimedOf(sessions: RuntimeSessions, request: WithId): RuntimeSession {
  const session = sessions.findClaimed(authOf(request).keyId, request.params.id.toLowerCase());
  if (!session) {
    throw new GatewayError(
      'not_found',
      `no runtime session with id ${request.params.id} claimed with this key`,
    );
  }
  return session;
}

/**
 * The worker side of hosted runtime sessions (hud-ts's own routes; `hud worker` serves them). A worker key
 * serves its team's sessions; an admin key of the gateway's first team serves every team's. Routes after
 * the claim answer 404 for a session not claimed with the caller's key.
 * - `POST /v2/workers/sessions/claim` `{worker_id, capacity, wait_s?: 0..20}` → `{sessions: [ClaimedSession]}`
 *   (long-polls up to `wait_s` seconds when none is queued). `environment.image` is the environment's
 *   latest deployed image, or null. Each claimed session must open its control WebSocket within
 *   `controlTimeoutMs`.
 * - `GET /v2/workers/sessions/{id}/control` (WebSocket): the gateway sends `{"connect": "<conn id>"}` for
 *   each tunnel a client opens and `{"close": "<reason>"}` when the session ends (then closes it); the
 *   worker closing it ends the session. Pinged; a worker that stops answering is lost.
 * - `POST /v2/workers/sessions/{id}/ready` → `{id, status}`: the substrate serves (open the control socket
 *   first); `POST …/failed` `{error}` → `{id, status}`: it could not start (the session ends with the reason).
 * - `GET /v2/workers/sessions/{id}/connections/{conn}` (WebSocket): the worker's side of one tunnel, piped
 *   to the substrate's control port by the worker; binary frames are raw bytes.
 * Register inside a scope where `@fastify/websocket` is registered.
 */
export function registerRuntimeSessionWorkerRoutes(
  app: FastifyInstance,
  context: RouteContext,
  sessions: RuntimeSessions,
): void {
  const teams = new WorkerTeams(() => context.store.rolloutQueue.firstTeamId());
  const closeUpgrade = async (request: FastifyRequest) => {
    if (request.raw.headers.upgrade) request.raw.socket.destroy();
  };
  const notUpgraded = async () => {
    throw new GatewayError('invalid_request', 'this route is a WebSocket: connect with an upgrade');
  };

  app.post('/v2/workers/sessions/claim', async (request) => {
    const body = parseWith(ClaimSessions, request.body ?? {}, 'body');
    const auth = authOf(request);
    // A worker that goes away while waiting (or before its request was read) claims nothing.
    const abort = new AbortController();
    const socket = request.raw.socket;
    const gone = () => abort.abort();
    socket.once('close', gone);
    if (socket.destroyed) abort.abort();
    const claimed = await sessions
      .claim(
        { workerId: body.worker_id, keyId: auth.keyId, teams: await teams.of(auth) },
        body.capacity,
        body.wait_s * 1000,
        abort.signal,
      )
      .finally(() => socket.off('close', gone));
    const answer: ClaimedSession[] = [];
    for (const session of claimed) {
      const environment = await context.store.registry
        .findEnvironmentByName(session.teamId, session.environment)
        .catch(() => undefined);
      answer.push({
        session_id: session.id,
        team_id: session.teamId,
        environment: { name: session.environment, image: environment?.image ?? null },
        trace_id: session.traceId,
      });
    }
    return { sessions: answer };
  });

  app.post<{ Params: { id: string } }>('/v2/workers/sessions/:id/ready', async (request) => {
    const session = claimedOf(sessions, request);
    sessions.markReady(session);
    return { id: session.id, status: session.status };
  });

  app.post<{ Params: { id: string } }>('/v2/workers/sessions/:id/failed', async (request) => {
    const body = parseWith(FailSession, request.body ?? {}, 'body');
    const session = claimedOf(sessions, request);
    sessions.markFailed(session, body.error || 'no reason given');
    return { id: session.id, status: session.status };
  });

  app.route<{ Params: { id: string } }>({
    method: 'GET',
    url: '/v2/workers/sessions/:id/control',
    preValidation: async (request: WithId) => {
      claimedOf(sessions, request);
    },
    onResponse: closeUpgrade,
    handler: notUpgraded,
    wsHandler: (socket, request) => {
      sessions.attachControl(claimedOf(sessions, request), socket);
    },
  });

  app.route<{ Params: { id: string; conn: string } }>({
    method: 'GET',
    url: '/v2/workers/sessions/:id/connections/:conn',
    preValidation: async (request) => {
      claimedOf(sessions, request);
    },
    onResponse: closeUpgrade,
    handler: notUpgraded,
    wsHandler: (socket, request) => {
      sessions.attachConnection(claimedOf(sessions, request), request.params.conn, socket);
    },
  });
}
