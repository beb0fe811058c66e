import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalRunId } from '../ids.js';
import type { RuntimeSession } from '../runtime-sessions/session.js';
import type { RuntimeSessions } from '../runtime-sessions/session-registry.js';
import type { RuntimeSessionView } from '../runtime-sessions/session-types.js';
import { serveTunnel } from '../runtime-sessions/tunnel.js';

/** `POST /runtime/sessions` (hud-python `HUDRuntime`, spec §6.2): `{environment, trace_id?}`. */
const CreateSession = z.looseObject({
  environment: z.string().trim().min(1).max(256),
  trace_id: z.string().min(1).max(128).nullish(),
});

type WithId = FastifyRequest<{ Params: { id: string } }>;

/** The caller's session `request.params.id`. @throws GatewayError `not_found` (also another team's). */
function sessionOf(sessions: RuntimeSessions, request: WithId): RuntimeSession {
  const session = sessions.find(authOf(request).teamId, request.params.id.toLowerCase());
  if (!session) {
    throw new GatewayError('not_found', `no runtime session with id ${request.params.id}`);
  }
  return session;
}

/**
 * The client side of hosted runtime sessions (hud-python `HUDRuntime`, spec §6.2; the worker side is
 * {@link registerRuntimeSessionWorkerRoutes}). Every route needs the key of the team that created the session
 * (another team's session answers 404):
 * - `POST /runtime/sessions` `{environment, trace_id?}` → {@link RuntimeSessionView} (hud-python reads `id`);
 *   the session waits for a worker;
 * - `GET /runtime/sessions` → `{sessions: [view]}` (the team's live sessions), `GET /runtime/sessions/{id}`;
 * - `DELETE /runtime/sessions/{id}` → the view, ended (again for an ended one: idempotent);
 * - `GET /runtime/tunnels/{id}` upgraded to a WebSocket (`Authorization: Bearer` header): binary frames are
 *   raw bytes to and from the substrate's control port (text frames travel as their UTF-8 bytes). A tunnel
 *   opened before the session is ready waits for it; it closes with 1011 and the reason when the session
 *   fails or does not become ready in time, and with 1000 when the session ends.
 * Register inside a scope where `@fastify/websocket` is registered.
 */
export function registerRuntimeSessionRoutes(
  app: FastifyInstance,
  sessions: RuntimeSessions,
): void {
  app.post('/runtime/sessions', async (request): Promise<RuntimeSessionView> => {
    const body = parseWith(CreateSession, request.body ?? {}, 'body');
    const traceId = body.trace_id ? canonicalRunId(body.trace_id, 'trace_id') : null;
    const session = sessions.create({
      teamId: authOf(request).teamId,
      environment: body.environment,
      traceId,
    });
    request.log.info({ session: session.id, environment: session.environment }, 'runtime session');
    return session.view();
  });

  app.get('/runtime/sessions', async (request) => ({
    sessions: sessions.list(authOf(request).teamId).map((session) => session.view()),
  }));

  app.get<{ Params: { id: string } }>('/runtime/sessions/:id', async (request) =>
    sessionOf(sessions, request).view(),
  );

  app.delete<{ Params: { id: string } }>('/runtime/sessions/:id', async (request) => {
    const session = sessionOf(sessions, request);
    sessions.end(session, 'deleted by its client', 1000);
    return session.view();
  });

  app.route<{ Params: { id: string } }>({
    method: 'GET',
    url: '/runtime/tunnels/:id',
    // Unknown session or wrong key: refused over HTTP before the upgrade. The refusal is written on the
    // upgrade socket, which the HTTP server no longer tracks: end it, or it holds up shutdown.
    preValidation: async (request: WithId) => {
      sessionOf(sessions, request);
    },
    onResponse: async (request) => {
      if (request.raw.headers.upgrade) request.raw.socket.destroy();
    },
    handler: async () => {
      throw new GatewayError(
        'invalid_request',
        'a runtime tunnel is a WebSocket: connect with an upgrade request (ws:// or wss://)',
      );
    },
    wsHandler: (socket, request) => {
      serveTunnel(sessions, sessionOf(sessions, request), socket);
    },
  });
}
