import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { authOf } from '../http/auth.js';
import { parseWith } from '../http/replies.js';
import { canonicalUuid } from '../ids.js';
import type { EnvironmentRecord } from '../store/areas/registry.js';
import type { RouteContext } from './context.js';

const RegistryQuery = z.looseObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  search: z.string().max(256).optional(),
  sort_by: z.string().max(64).optional(),
});

/**
 * The environment registry, read-only here (builds, a later part, write it): `GET /v2/registry?search=&limit=`
 * answers a JSON array of {@link EnvironmentRecord} (hud-python iterates the answer as a list), and
 * `GET /v2/registry/{id}` one record (404 when unknown). `/v2/registry/envs` and `/v2/registry/envs/{id}`
 * answer the same (the path newer hud-python releases use).
 */
export function registerRegistryRoutes(app: FastifyInstance, context: RouteContext): void {
  const { registry } = context.store;

  const list = async (request: FastifyRequest): Promise<EnvironmentRecord[]> => {
    const query = parseWith(RegistryQuery, request.query, 'query');
    return registry.listEnvironments({
      teamId: authOf(request).teamId,
      limit: query.limit,
      ...(query.search ? { search: query.search } : {}),
    });
  };
  const one = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const id = canonicalUuid(request.params.id);
    const environment = id ? await registry.getEnvironment(authOf(request).teamId, id) : undefined;
    if (!environment) {
      throw new GatewayError(
        'not_found',
        `no environment with id ${request.params.id} in the registry`,
      );
    }
    return environment;
  };

  app.get('/v2/registry', list);
  app.get('/v2/registry/envs', list);
  app.get<{ Params: { id: string } }>('/v2/registry/:id', one);
  app.get<{ Params: { id: string } }>('/v2/registry/envs/:id', one);
}
