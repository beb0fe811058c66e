import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { generateKey, hashKey, keyPrefix } from '../api-keys.js';
import { GatewayError } from '../errors.js';
import { authOf, requireAdmin } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { KeyCreate } from '../schemas/platform.js';
import type { ApiKeyRecord } from '../store/areas/keys.js';
import type { RouteContext } from './context.js';

/** `POST /v2/keys`: the new key's record and, this once, its secret `key`. */
export interface KeyCreateReply extends ApiKeyRecord {
  key: string;
}

const ListQuery = z.looseObject({ team: z.string().min(1).max(100).optional() });

/**
 * API keys (the gateway's own routes, for `hud keys list|create|revoke`):
 * - `GET /v2/keys[?team=]` → `{items: [ApiKeyRecord…]}`: an admin key sees every team's keys (or one
 *   team's), a member key its own team's; secrets are never listed (`prefix` tells keys apart);
 * - `POST /v2/keys` `{name, role?: admin|member (member), team?}` → 201 {@link KeyCreateReply}: admin only;
 *   `team` names the team (created when new; default: the caller's);
 * - `DELETE /v2/keys/{id}` → the revoked {@link ApiKeyRecord}: admin only; revoking twice keeps the first
 *   time; takes effect at once on this gateway (other gateways sharing PostgreSQL within 5 s).
 */
export function registerKeyRoutes(app: FastifyInstance, context: RouteContext): void {
  const { keys } = context.store;

  app.get('/v2/keys', async (request): Promise<{ items: ApiKeyRecord[] }> => {
    const auth = authOf(request);
    const query = parseWith(ListQuery, request.query, 'query');
    if (auth.role !== 'admin') {
      if (query.team !== undefined && query.team !== auth.teamName) requireAdmin(request);
      return { items: await keys.listKeys({ teamId: auth.teamId }) };
    }
    if (query.team === undefined) return { items: await keys.listKeys() };
    const team = (await keys.listKeys()).filter((key) => key.team_name === query.team);
    return { items: team };
  });

  app.post('/v2/keys', async (request, reply): Promise<KeyCreateReply> => {
    const auth = requireAdmin(request);
    const body = parseWith(KeyCreate, request.body ?? {}, 'body');
    const team = body.team ? await keys.ensureTeam(body.team) : { id: auth.teamId };
    const secret = generateKey();
    const record = await keys.createKey({
      teamId: team.id,
      name: body.name,
      role: body.role,
      keyHash: hashKey(secret),
      prefix: keyPrefix(secret),
    });
    context.authenticator.forget();
    reply.status(201);
    return { ...record, key: secret };
  });

  app.delete<{ Params: { id: string } }>('/v2/keys/:id', async (request): Promise<ApiKeyRecord> => {
    requireAdmin(request);
    const revoked = await keys.revokeKey(request.params.id);
    if (!revoked) throw new GatewayError('not_found', `no key with id ${request.params.id}`);
    context.authenticator.forget();
    return revoked;
  });
}
