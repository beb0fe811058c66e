import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { BuildEvent, BuildService } from '../builds/build-service.js';
import { GatewayError } from '../errors.js';
import { authOf, type RouteFlags } from '../http/auth.js';
import { canonicalUuid } from '../ids.js';
import { type BuildRecord, FINAL_BUILD_STATUSES } from '../store/areas/builds.js';
import type { RouteContext } from './context.js';

/**
 * A message of the build-log WebSocket (hud-python reads `type`: `status`, `status_update`, `log`; spec
 * §9.6): `{type: 'status', status}` first, then `{type: 'log', message}` per line (the lines so far,
 * then live) and `{type: 'status_update', status}` per change; the socket closes (1000) once the status
 * is `SUCCEEDED` or `FAILED`.
 */
export type BuildLogMessage = { type: 'status'; status: string } | BuildEvent;

const send = (socket: WebSocket, message: BuildLogMessage) => socket.send(JSON.stringify(message));

async function buildOf(
  context: RouteContext,
  request: FastifyRequest<{ Params: { id: string } }>,
): Promise<BuildRecord> {
  const id = canonicalUuid(request.params.id);
  const build = id ? await context.store.builds.getBuild(authOf(request).teamId, id) : undefined;
  if (!build) throw new GatewayError('not_found', `no build with id ${request.params.id}`);
  return build;
}

/**
 * `GET /v2/builds/{id}/logs`: over a WebSocket upgrade the live log ({@link BuildLogMessage}; the key may
 * come as `?api_key=`, as hud-python sends it), over plain HTTP `{id, status, lines}` (the log so far).
 */
export function registerBuildLogRoutes(
  app: FastifyInstance,
  context: RouteContext,
  service: () => BuildService,
): void {
  const flags: RouteFlags = { queryKey: true };
  app.route<{ Params: { id: string } }>({
    method: 'GET',
    url: '/v2/builds/:id/logs',
    config: flags,
    // A refused upgrade (a wrong key: the auth hook throws before the websocket plugin's hooks run) is
    // answered over plain HTTP on the upgrade socket, which the HTTP server no longer tracks: end it, or
    // it stays open and holds up shutdown.
    onResponse: async (request) => {
      if (request.raw.headers.upgrade) request.raw.socket.destroy();
    },
    handler: async (request) => {
      const build = await buildOf(context, request);
      const follow = service().follow(build.id, () => {});
      follow?.stop();
      const lines = follow ? follow.lines : await service().files.readLog(build.id);
      return { id: build.id, status: follow?.status ?? build.status, lines };
    },
    wsHandler: async (socket, request) => {
      // Buffer what arrives while the record is read, so no line is lost between the two.
      let build: BuildRecord;
      try {
        build = await buildOf(context, request);
      } catch (error) {
        socket.close(1008, error instanceof Error ? error.message.slice(0, 120) : 'not found');
        return;
      }
      const live = service().follow(build.id, (event) => {
        send(socket, event);
        if (event.type === 'status_update' && FINAL_BUILD_STATUSES.has(event.status)) {
          live?.stop();
          socket.close(1000, event.status);
        }
      });
      if (live) {
        socket.on('close', () => live.stop());
        send(socket, { type: 'status', status: live.status });
        for (const line of live.lines) send(socket, { type: 'log', message: line });
        return;
      }
      // Not running here: ended (or never started); send the stored log and the status, then close.
      send(socket, { type: 'status', status: build.status });
      for (const line of await service().files.readLog(build.id)) {
        send(socket, { type: 'log', message: line });
      }
      const current = await context.store.builds.getBuild(authOf(request).teamId, build.id);
      send(socket, { type: 'status_update', status: current?.status ?? build.status });
      socket.close(1000, current?.status ?? build.status);
    },
  });
}
