import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { generateKey, hashKey, keyPrefix } from '../api-keys.js';
import { GatewayError } from '../errors.js';
import { authOf, requireAdmin } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { KeyCreate } from '../schemas/platform.js';
import type { ApiKeyRecord, KeyLimits } from '../store/areas/keys.js';
import type { RouteContext } from './context.js';

/** `POST /v2/keys`: the new key's record and, this once, its secret `key`. */
export interface KeyCreateReply extends ApiKeyRecord {
  key: string;
}

const ListQuery = z.looseObject({ team: z.string().min(1).max(100).optional() });

const count = (min: number, max: number) => z.number().int().min(min).max(max).nullable();
/** The largest per-minute limit (the columns are 32-bit INTEGERs on PostgreSQL). */
const MAX_PER_MINUTE = 2_147_483_647;
/**
 * A key's LLM limits in a body: a number sets one, null removes it, a missing field keeps it. Token
 * budgets are stored as doubles: exact up to 2^53.
 */
const LIMIT_FIELDS = {
  requests_per_minute: count(1, MAX_PER_MINUTE).optional(),
  tokens_per_minute: count(1, MAX_PER_MINUTE).optional(),
  budget_usd: z.number().min(0).max(1e12).nullable().optional(),
  budget_tokens: count(0, Number.MAX_SAFE_INTEGER).optional(),
};
const LimitsOfCreate = z.looseObject(LIMIT_FIELDS);
const KeyPatch = z.strictObject(LIMIT_FIELDS).refine((patch) => Object.keys(patch).length > 0, {
  message: `expected at least one of ${Object.keys(LIMIT_FIELDS).join(', ')}`,
});

/** The limits a parsed body sets (fields it left out stay out). */
function limitsOf(body: z.output<typeof LimitsOfCreate>): Partial<KeyLimits> {
  const limits: Partial<KeyLimits> = {};
  for (const field of Object.keys(LIMIT_FIELDS) as (keyof KeyLimits)[]) {
    if (body[field] !== undefined) limits[field] = body[field];
  }
  return limits;
}

/**
 * API keys (the gateway's own routes, for `hud keys list|create|revoke`):
 * - `GET /v2/keys[?team=]` → `{items: [ApiKeyRecord…]}`: an admin key sees every team's keys (or one
 *   team's), a member key its own team's; secrets are never listed (`prefix` tells keys apart);
 * - `POST /v2/keys` `{name, role?: admin|member (member), team?, requests_per_minute?, tokens_per_minute?,
 *   budget_usd?, budget_tokens?}` → 201 {@link KeyCreateReply}: admin only; `team` names the team (created
 *   when new; default: the caller's); the four limits apply to the LLM routes (429 per minute, 402 once a
 *   budget is spent; see `KeyGuard`), each a positive number (budgets may be 0) or null for none;
 * - `PATCH /v2/keys/{id}` `{requests_per_minute?, tokens_per_minute?, budget_usd?, budget_tokens?}` → the
 *   updated {@link ApiKeyRecord}: admin only; a field left out keeps its value, null removes the limit;
 *   applies to the key's next request;
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
    const limits = limitsOf(parseWith(LimitsOfCreate, request.body ?? {}, 'body'));
    const team = body.team ? await keys.ensureTeam(body.team) : { id: auth.teamId };
    const secret = generateKey();
    const record = await keys.createKey({
      teamId: team.id,
      name: body.name,
      role: body.role,
      keyHash: hashKey(secret),
      prefix: keyPrefix(secret),
      limits,
    });
    context.authenticator.forget();
    reply.status(201);
    return { ...record, key: secret };
  });

  app.patch<{ Params: { id: string } }>('/v2/keys/:id', async (request): Promise<ApiKeyRecord> => {
    requireAdmin(request);
    const patch = limitsOf(parseWith(KeyPatch, request.body ?? {}, 'body'));
    const updated = await keys.setKeyLimits(request.params.id, patch);
    if (!updated) throw new GatewayError('not_found', `no key with id ${request.params.id}`);
    return updated;
  });

  app.delete<{ Params: { id: string } }>('/v2/keys/:id', async (request): Promise<ApiKeyRecord> => {
    requireAdmin(request);
    const revoked = await keys.revokeKey(request.params.id);
    if (!revoked) throw new GatewayError('not_found', `no key with id ${request.params.id}`);
    context.authenticator.forget();
    return revoked;
  });
}
