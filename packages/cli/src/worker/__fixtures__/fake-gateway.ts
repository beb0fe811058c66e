/**
 * Test support: a fake of the gateway's worker routes (`/v2/workers/claim`, `/heartbeat`, `/complete`) and
 * the span upload route, on 127.0.0.1 (fastify), recording what the worker sent. Not part of the CLI's
 * build (`__fixtures__` is excluded from dist).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Lease, LeaseState } from '../lease.js';

/** What the fake recorded and how it answers. */
export interface FakeGateway {
  url: string;
  app: FastifyInstance;
  /** Leases the next claims hand out (in order, up to each claim's capacity). */
  queue: Lease[];
  /** The heartbeat state of a lease (default `active`). */
  states: Map<string, LeaseState>;
  /** Lease ids whose completion answers 409 `lease_lost`. */
  lost: Set<string>;
  claims: { capacity: number; worker_id: string; runtimes: string[] }[];
  heartbeats: string[][];
  completes: Record<string, unknown>[];
  /** Span uploads: trace id, the Authorization header, the spans. */
  uploads: { traceId: string; authorization: string | undefined; spans: unknown[] }[];
  /** LOGS/DEBUG uploads (`POST /v2/trace/{id}/logs`): trace id and body. */
  traceLines: { traceId: string; body: { logs: unknown[]; events: { phase: string }[] } }[];
  close(): Promise<void>;
}

/** Starts the fake on `port` (default any free port). */
export async function startFakeGateway(port = 0): Promise<FakeGateway> {
  const app = Fastify();
  const fake: Omit<FakeGateway, 'url' | 'close'> = {
    app,
    queue: [],
    states: new Map(),
    lost: new Set(),
    claims: [],
    heartbeats: [],
    completes: [],
    uploads: [],
    traceLines: [],
  };
  app.post('/v2/workers/claim', async (request) => {
    const body = request.body as FakeGateway['claims'][number] & { wait_s?: number };
    fake.claims.push(body);
    // A short long-poll: answer once something is queued, or after 100 ms.
    for (let waited = 0; fake.queue.length === 0 && waited < 100; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return { leases: fake.queue.splice(0, body.capacity) };
  });
  app.post('/v2/workers/heartbeat', async (request) => {
    const ids = (request.body as { lease_ids: string[] }).lease_ids;
    fake.heartbeats.push(ids);
    return { leases: ids.map((id) => ({ lease_id: id, state: fake.states.get(id) ?? 'active' })) };
  });
  app.post('/v2/workers/complete', async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    fake.completes.push(body);
    if (fake.lost.has(String(body.lease_id))) {
      return reply.code(409).send({ error: 'lease_lost', message: 'the lease is no longer current' });
    }
    return { recorded: true };
  });
  app.post<{ Params: { id: string } }>('/v3/api/trace/:id/telemetry-upload', async (request) => {
    fake.uploads.push({
      traceId: request.params.id,
      authorization: request.headers.authorization,
      spans: (request.body as { telemetry: unknown[] }).telemetry,
    });
    return { ok: true };
  });
  app.post<{ Params: { id: string } }>('/v2/trace/:id/logs', async (request) => {
    fake.traceLines.push({
      traceId: request.params.id,
      body: request.body as FakeGateway['traceLines'][number]['body'],
    });
    return { ok: true };
  });
  const url = await app.listen({ host: '127.0.0.1', port });
  return { ...fake, url, close: () => app.close() };
}

/** A lease as the gateway hands it out, for trace `n`. */
export function fakeLease(n: number, overrides: Partial<Lease> = {}): Lease {
  const hex = n.toString(16).padStart(32, '0');
  return {
    lease_id: `lease-${n}`,
    trace_id: hex,
    job_id: 'f'.repeat(32),
    team_id: 'team',
    attempt: 1,
    lease_ttl_s: 0.9,
    key: `hud_lease_key_${n}`,
    rollout: {
      env: 'blocker',
      task: 'wait',
      slug: `wait-${n}`,
      args: {},
      agent: { type: 'oracle', config: {} },
      group_id: null,
      runtime_config: null,
      verifier: null,
    },
    environment: { name: 'blocker', image: null },
    ...overrides,
  };
}
