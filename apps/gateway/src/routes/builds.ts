import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sameDigest } from '../api-keys.js';
import type { BuildService } from '../builds/build-service.js';
import { GatewayError } from '../errors.js';
import { authOf, type RouteFlags } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalUuid } from '../ids.js';
import type { BuildRecord } from '../store/areas/builds.js';
import { registerBuildLogRoutes } from './builds-logs.js';
import type { RouteContext } from './context.js';

/** Options of the build routes. */
export interface BuildRouteOptions {
  /** The build runner; undefined when the gateway has no data dir for builds (the routes answer 503). */
  service: BuildService | undefined;
  /** Largest build context accepted, bytes. */
  contextLimit: number;
  /** Seconds an upload URL stays valid. */
  uploadTtlSeconds: number;
}

const Pairs = z.record(z.string().min(1).max(256), z.string().max(65_536));

/** `POST /v2/builds/trigger` (hud-python `hud deploy`, spec §9.6); unknown keys are ignored. */
const TriggerBody = z.looseObject({
  source: z.literal('direct').default('direct'),
  build_id: z.string().min(1).max(64),
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, . _ - only'),
  no_cache: z.boolean().default(false),
  registry_id: z.string().max(64).nullish(),
  environment_variables: Pairs.nullish(),
  build_args: Pairs.nullish(),
  /** Secret id → value; used for the build only, never stored. */
  build_secrets: Pairs.nullish(),
});

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** The answer of `GET /v2/builds/{id}/status`: the record without environment variable values. */
export function publicBuild(build: BuildRecord) {
  const { environment_variables, ...rest } = build;
  return { ...rest, environment_variable_names: Object.keys(environment_variables) };
}

function needService(options: BuildRouteOptions): BuildService {
  if (!options.service) {
    throw new GatewayError(
      'unavailable',
      'this gateway builds nothing: it was started without a data dir for build contexts',
    );
  }
  return options.service;
}

function buildIdOf(raw: string): string {
  const id = canonicalUuid(raw);
  if (!id) throw new GatewayError('not_found', `no build with id ${raw.slice(0, 80)}`);
  return id;
}

/**
 * The environment build routes (hud-python `hud deploy`, spec §9.6):
 * - `POST /v2/builds/upload-url` → `{upload_url, build_id, expires_in}`: `upload_url` is this gateway's
 *   `PUT /v2/builds/{id}/context?token=…` (single build, `expires_in` seconds; the token is the
 *   credential, so hud-python's bare `PUT` with only `content-type: application/gzip` works; a Bearer key
 *   of the build's team works too);
 * - `PUT /v2/builds/{id}/context`: the gzip tar context (413 past the limit; written to disk before 200
 *   `{build_id, bytes}`);
 * - `POST /v2/builds/trigger` → `{id, registry_id, version, status, name}` and the build starts;
 * - `GET /v2/builds/{id}/status` → the build record (`status` ends `SUCCEEDED` or `FAILED`);
 * - `GET /v2/builds/{id}/logs`: WebSocket of `{type: 'status'|'status_update'|'log', …}` (see
 *   `builds-logs.ts`), or over plain HTTP `{id, status, lines}`.
 */
export function registerBuildRoutes(
  app: FastifyInstance,
  context: RouteContext,
  options: BuildRouteOptions,
): void {
  const { builds } = context.store;

  app.post('/v2/builds/upload-url', async (request) => {
    needService(options);
    const auth = authOf(request);
    const token = randomBytes(32).toString('base64url');
    const build = await builds.createBuild({
      teamId: auth.teamId,
      keyId: auth.keyId,
      tokenHash: tokenHash(token),
      expiresAt: new Date(Date.now() + options.uploadTtlSeconds * 1000).toISOString(),
    });
    const base = context.publicUrl?.replace(/\/+$/, '') ?? `${request.protocol}://${request.host}`;
    return {
      upload_url: `${base}/v2/builds/${build.id}/context?token=${token}`,
      build_id: build.id,
      expires_in: options.uploadTtlSeconds,
    };
  });

  // The context upload reads the raw body itself (any content type, streamed to disk with its own limit).
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const uploadFlags: RouteFlags = { public: true };
    scope.put<{ Params: { id: string }; Querystring: { token?: string } }>(
      '/v2/builds/:id/context',
      { config: uploadFlags },
      async (request) => {
        const service = needService(options);
        const token = typeof request.query.token === 'string' ? request.query.token : '';
        const header = request.headers.authorization;
        if (!token && header === undefined) {
          throw new GatewayError(
            'unauthorized',
            'missing credentials: use the upload_url of POST /v2/builds/upload-url (its token) or send "Authorization: Bearer <key>"',
          );
        }
        const id = buildIdOf(request.params.id);
        const upload = await builds.findUpload(id);
        if (!upload) {
          throw new GatewayError(
            'not_found',
            `no build with id ${request.params.id}: ask POST /v2/builds/upload-url for an upload URL`,
          );
        }
        await checkUploadCredentials(request, context, upload, token);
        const declared = Number(request.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.contextLimit) {
          throw new GatewayError(
            'payload_too_large',
            `build context of ${declared} bytes over the gateway's limit of ${options.contextLimit} bytes: leave large files out with .dockerignore`,
          );
        }
        const bytes = await service.files.saveContext(id, request.raw, options.contextLimit);
        await builds.recordUpload(id, bytes);
        return { build_id: id, bytes };
      },
    );
  });

  app.post('/v2/builds/trigger', async (request) => {
    const service = needService(options);
    const body = parseWith(TriggerBody, request.body, 'body');
    const auth = authOf(request);
    const buildId = buildIdOf(body.build_id);
    let registryId: string | undefined;
    if (body.registry_id) {
      registryId = canonicalUuid(body.registry_id);
      if (!registryId) {
        throw new GatewayError(
          'not_found',
          `no environment with registry_id ${body.registry_id} in the registry`,
        );
      }
    }
    const secrets = body.build_secrets ?? {};
    const build = await builds.trigger({
      teamId: auth.teamId,
      buildId,
      name: body.name,
      ...(registryId ? { registryId } : {}),
      noCache: body.no_cache,
      buildArgs: body.build_args ?? {},
      environmentVariables: body.environment_variables ?? {},
      secretIds: Object.keys(secrets),
    });
    service.start(build, secrets);
    return {
      id: build.id,
      registry_id: build.registry_id,
      version: build.version,
      status: build.status,
      name: build.name,
    };
  });

  app.get<{ Params: { id: string } }>('/v2/builds/:id/status', async (request) => {
    const build = await builds.getBuild(authOf(request).teamId, buildIdOf(request.params.id));
    if (!build) throw new GatewayError('not_found', `no build with id ${request.params.id}`);
    return publicBuild(build);
  });

  registerBuildLogRoutes(app, context, () => needService(options));
}

async function checkUploadCredentials(
  request: FastifyRequest,
  context: RouteContext,
  upload: { teamId: string; tokenHash: string | null; expiresAt: string | null },
  token: string,
): Promise<void> {
  if (token) {
    if (!upload.tokenHash || !sameDigest(upload.tokenHash, tokenHash(token))) {
      throw new GatewayError(
        'unauthorized',
        'the upload token does not match this build (or the build was triggered already): ask POST /v2/builds/upload-url for a new upload URL',
      );
    }
    if (upload.expiresAt !== null && upload.expiresAt < new Date().toISOString()) {
      throw new GatewayError(
        'unauthorized',
        `the upload URL expired at ${upload.expiresAt}: ask POST /v2/builds/upload-url for a new one`,
      );
    }
    return;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) {
    throw new GatewayError('unauthorized', 'the Authorization header must be "Bearer <API key>"');
  }
  const auth = await context.authenticator.authenticate(match[1]);
  if (auth.teamId !== upload.teamId) {
    throw new GatewayError('not_found', `no build with id ${request.url.split('/')[3]}`);
  }
}
