import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateKey, hashKey, keyPrefix } from '../api-keys.js';
import { GatewayError } from '../errors.js';
import { type AuthContext, authOf, type RouteFlags } from '../http/auth.js';
import { describeIssues, parseWith } from '../http/replies.js';
import { DeviceCodeRequest, DeviceDecision, DeviceTokenRequest } from '../schemas/platform.js';
import type { RouteContext } from './context.js';
import { approvalForm, DEVICE_PAGE_CSP, decisionPage } from './device-page.js';

/** RFC 8628 §6.1: consonants only (no vowels, so no words), upper case, 8 characters as `XXXX-XXXX`. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** A poll this much sooner than the interval is "too fast" (RFC 8628 `slow_down`); the rest is jitter. */
const TOO_FAST = 0.8;
const PUBLIC: RouteFlags = { public: true };

/** `POST /auth/device/code`'s answer (RFC 8628 §3.2; what hud-python's `hud login` reads). */
export interface DeviceCodeReply {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** `POST /auth/device/token`'s answer once approved: hud-python saves `api_key`, prints `team.name`. */
export interface DeviceTokenReply {
  api_key: string;
  access_token: string;
  token_type: 'Bearer';
  user: { email: null; name: string };
  team: { name: string };
}

function newUserCode(): string {
  const letters = Array.from(
    { length: 8 },
    () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)],
  );
  return `${letters.slice(0, 4).join('')}-${letters.slice(4).join('')}`;
}

/** `abcd efgh`, `ABCDEFGH` → `ABCD-EFGH` (what a person types, normalised). */
export function normaliseUserCode(raw: string): string {
  const letters = raw.toUpperCase().replace(/[^A-Z]/g, '');
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : letters;
}

/** An RFC 8628 §3.5 error answer (400 `{error, error_description}`), which hud-python reads as control flow. */
function oauthError(reply: FastifyReply, error: string, description: string) {
  return reply
    .status(400)
    .header('cache-control', 'no-store')
    .send({ error, error_description: description });
}

function baseUrl(request: FastifyRequest, context: RouteContext): string {
  return (context.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/**
 * `hud login` (RFC 8628 device authorization, spec §9.8; no `/v2` prefix), served without a key:
 * - `POST /auth/device/code` `{client_name?, client_version?}` → {@link DeviceCodeReply};
 * - `POST /auth/device/token` `{device_code}` → 200 {@link DeviceTokenReply} once approved (a new member
 *   key of the approver's team, handed out once), else 400 `{error}` with `authorization_pending`,
 *   `slow_down` (polled sooner than `interval`; the interval grows by 5 s), `expired_token`,
 *   `access_denied` or `invalid_grant` (unknown or already redeemed code);
 * - `GET /device[?code=]`: the approval page (plain HTML form); `POST /device` (form: `user_code`,
 *   `api_key`, `action` approve|deny) decides with the pasted key;
 * - `POST /auth/device/approve` `{user_code, action?}` with a Bearer key → `{user_code, status, team}`:
 *   the same decision for scripts.
 */
export function registerDeviceRoutes(app: FastifyInstance, context: RouteContext): void {
  const { devices } = context.store;

  const decide = async (auth: AuthContext, rawCode: string, approve: boolean) => {
    const record = await devices.decideDevice({
      userCode: normaliseUserCode(rawCode),
      approve,
      teamId: auth.teamId,
      keyId: auth.keyId,
      now: new Date().toISOString(),
    });
    if (!record) {
      throw new GatewayError(
        'not_found',
        `no login is waiting for code ${rawCode} (it may have expired: run hud login again)`,
      );
    }
    return record;
  };

  app.post('/auth/device/code', { config: PUBLIC }, async (request): Promise<DeviceCodeReply> => {
    const body = parseWith(DeviceCodeRequest, request.body ?? {}, 'body');
    const deviceCode = randomBytes(32).toString('base64url');
    let userCode = newUserCode();
    while (await devices.findPendingByUserCode(userCode)) userCode = newUserCode();
    const { codeTtlSeconds, pollIntervalSeconds } = context.device;
    await devices.createDeviceCode({
      deviceCodeHash: hashKey(deviceCode),
      userCode,
      clientName: body.client_name ?? null,
      clientVersion: body.client_version ?? null,
      intervalS: pollIntervalSeconds,
      expiresAt: new Date(Date.now() + codeTtlSeconds * 1000).toISOString(),
    });
    const base = baseUrl(request, context);
    return {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: `${base}/device`,
      verification_uri_complete: `${base}/device?code=${userCode}`,
      expires_in: codeTtlSeconds,
      interval: pollIntervalSeconds,
    };
  });

  app.post('/auth/device/token', { config: PUBLIC }, async (request, reply) => {
    const parsed = DeviceTokenRequest.safeParse(request.body ?? {});
    if (!parsed.success) {
      return oauthError(reply, 'invalid_request', describeIssues(parsed.error.issues));
    }
    const hash = hashKey(parsed.data.device_code);
    const record = await devices.getDevice(hash);
    const now = Date.now();
    if (!record || record.status === 'consumed') {
      return oauthError(reply, 'invalid_grant', 'unknown or already used device code');
    }
    if (record.status === 'denied') return oauthError(reply, 'access_denied', 'login was denied');
    if (Date.parse(record.expires_at) <= now) {
      return oauthError(reply, 'expired_token', 'the device code expired: run hud login again');
    }
    if (record.status === 'approved') {
      const secret = generateKey();
      const key = await devices.redeemDevice({
        deviceCodeHash: hash,
        keyHash: hashKey(secret),
        prefix: keyPrefix(secret),
        keyName: `hud login (${record.client_name ?? 'unknown host'})`,
      });
      if (!key) return oauthError(reply, 'invalid_grant', 'unknown or already used device code');
      context.authenticator.forget();
      const answer: DeviceTokenReply = {
        api_key: secret,
        access_token: secret,
        token_type: 'Bearer',
        user: { email: null, name: key.name },
        team: { name: key.team_name },
      };
      return reply.header('cache-control', 'no-store').send(answer);
    }
    const last = record.last_polled_at ? Date.parse(record.last_polled_at) : undefined;
    const tooFast = last !== undefined && now - last < record.interval_s * 1000 * TOO_FAST;
    const interval = tooFast ? record.interval_s + 5 : record.interval_s;
    await devices.recordPoll(hash, new Date(now).toISOString(), interval);
    return tooFast
      ? oauthError(reply, 'slow_down', `poll at most every ${interval} s`)
      : oauthError(reply, 'authorization_pending', 'waiting for approval on the /device page');
  });

  app.post('/auth/device/approve', async (request) => {
    const body = parseWith(DeviceDecision, request.body ?? {}, 'body');
    const auth = authOf(request);
    const record = await decide(auth, body.user_code, body.action === 'approve');
    return { user_code: record.user_code, status: record.status, team: { name: auth.teamName } };
  });

  app.get<{ Querystring: { code?: string } }>(
    '/device',
    { config: PUBLIC },
    async (request, reply) => {
      const code =
        typeof request.query.code === 'string' ? normaliseUserCode(request.query.code) : '';
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', DEVICE_PAGE_CSP)
        .send(approvalForm({ userCode: code }));
    },
  );

  app.post('/device', { config: PUBLIC }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const userCode = typeof form.user_code === 'string' ? form.user_code : '';
    const apiKey = typeof form.api_key === 'string' ? form.api_key.trim() : '';
    const html = (status: number, body: string) =>
      reply
        .status(status)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', DEVICE_PAGE_CSP)
        .send(body);
    try {
      const auth = await context.authenticator.authenticate(apiKey);
      await decide(auth, userCode, form.action !== 'deny');
      return html(200, decisionPage({ approved: form.action !== 'deny', team: auth.teamName }));
    } catch (error) {
      if (!GatewayError.isInstance(error)) throw error;
      return html(error.statusCode, approvalForm({ userCode, error: error.message }));
    }
  });
}
