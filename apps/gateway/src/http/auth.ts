import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashKey, sameDigest } from '../api-keys.js';
import { GatewayError } from '../errors.js';
import type { KeyRole, KeyStore } from '../store/areas/keys.js';

/** Who is calling: the key's id, name, role and team. */
export interface AuthContext {
  keyId: string;
  keyName: string;
  role: KeyRole;
  teamId: string;
  teamName: string;
}

/** Per-route flags read from the route's `config`. */
export interface RouteFlags {
  /** Served without a key (`/health`, the device flow, the approval page). */
  public?: boolean;
  /** Also accepts the key as `?api_key=` (hud-python puts it there for its build-log WebSocket). */
  queryKey?: boolean;
  /**
   * Also accepts the key where the providers' SDKs put theirs (the LLM routes): `x-api-key` (Anthropic),
   * `x-goog-api-key` or `?key=` (Gemini).
   */
  providerKeys?: boolean;
}

const contexts = new WeakMap<FastifyRequest, AuthContext>();

/**
 * The caller of an authenticated route.
 * @throws GatewayError `unauthorized` on a public route (no key was checked).
 */
export function authOf(request: FastifyRequest): AuthContext {
  const auth = contexts.get(request);
  if (!auth) throw new GatewayError('unauthorized', 'this route is served without a key');
  return auth;
}

/**
 * The caller of an authenticated route, when it holds an admin key.
 * @throws GatewayError `forbidden` for a member key.
 */
export function requireAdmin(request: FastifyRequest): AuthContext {
  const auth = authOf(request);
  if (auth.role !== 'admin') {
    throw new GatewayError(
      'forbidden',
      `key ${auth.keyName} is a member key: this needs an admin key`,
    );
  }
  return auth;
}

/**
 * Checks API keys against the store. A key's answer is cached for `cacheMs` (default 5 s) so a busy
 * client does not cost a database read per request; `forget()` drops the cache (any key change here
 * calls it, so a revoke through this gateway applies at once).
 */
export class Authenticator {
  readonly #keys: KeyStore;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { auth: AuthContext | GatewayError; until: number }>();

  constructor(keys: KeyStore, options: { cacheMs?: number } = {}) {
    this.#keys = keys;
    this.#cacheMs = options.cacheMs ?? 5_000;
  }

  /**
   * The context of `key`.
   * @throws GatewayError `unauthorized` naming why (unknown or revoked; the key itself is never named).
   */
  async authenticate(key: string): Promise<AuthContext> {
    const hash = hashKey(key);
    const cached = this.#cache.get(hash);
    if (cached && cached.until > Date.now()) {
      if (cached.auth instanceof GatewayError) throw cached.auth;
      return cached.auth;
    }
    const auth = await this.#lookup(hash);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { auth, until: Date.now() + this.#cacheMs });
    if (auth instanceof GatewayError) throw auth;
    return auth;
  }

  /** Drops every cached answer. */
  forget(): void {
    this.#cache.clear();
  }

  async #lookup(hash: string): Promise<AuthContext | GatewayError> {
    const record = await this.#keys.findKeyByHash(hash);
    if (!record || !sameDigest(record.key_hash, hash)) {
      return new GatewayError(
        'unauthorized',
        'invalid API key: no key of this gateway matches it (check HUD_API_KEY; create a key with `hud keys create` or `hud login`)',
      );
    }
    if (record.revoked_at !== null) {
      return new GatewayError(
        'unauthorized',
        `API key ${record.prefix}… (${record.name}) was revoked at ${record.revoked_at}: use another key (\`hud keys create\`, \`hud login\`)`,
      );
    }
    return {
      keyId: record.id,
      keyName: record.name,
      role: record.role,
      teamId: record.team_id,
      teamName: record.team_name,
    };
  }
}

/** The key a request carries: `Authorization: Bearer …`, else `?api_key=` where the route allows it. */
function presentedKey(request: FastifyRequest, flags: RouteFlags): string {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new GatewayError('unauthorized', 'the Authorization header must be "Bearer <API key>"');
    }
    return match[1];
  }
  if (flags.queryKey) {
    const fromQuery = (request.query as Record<string, unknown> | undefined)?.api_key;
    if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  }
  if (flags.providerKeys) {
    for (const name of ['x-api-key', 'x-goog-api-key']) {
      const value = request.headers[name];
      if (typeof value === 'string' && value.trim()) return value.trim();
    }
    const fromQuery = (request.query as Record<string, unknown> | undefined)?.key;
    if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
    throw new GatewayError(
      'unauthorized',
      'missing API key: use your HUD_API_KEY as the SDK\'s API key ("Authorization: Bearer <key>", "x-api-key" or "x-goog-api-key")',
    );
  }
  throw new GatewayError(
    'unauthorized',
    'missing API key: send "Authorization: Bearer <key>" (the CLI sends HUD_API_KEY)',
  );
}

/** Installs the key check on every route of `app` that is not flagged `public`. */
export function installAuth(app: FastifyInstance, authenticator: Authenticator): void {
  // onRequest: before the body is read, so a caller without a key cannot make the gateway parse one.
  app.addHook('onRequest', async (request, reply) => {
    const flags = (request.routeOptions.config ?? {}) as RouteFlags;
    if (flags.public) return;
    try {
      contexts.set(request, await authenticator.authenticate(presentedKey(request, flags)));
    } catch (error) {
      if (GatewayError.isInstance(error) && error.code === 'unauthorized') {
        reply.header('www-authenticate', 'Bearer realm="hud-gateway"');
      }
      throw error;
    }
  });
}
