/**
 * apps/gateway: span ingestion and job listing, on SQLite and PostgreSQL, next to a baseline measured in the
 * same run — an empty fastify route (same fastify, same body parsing, no storage) driven by the same client.
 *
 * - **ingest**: `POST /v3/api/trace/{id}/telemetry-upload` with hud-python's batches (100 spans each, spec
 *   §8.3; ~600 bytes per span), one client (one request at a time) and 20 clients at once (each its own
 *   trace): spans/s. The baseline answers the same bodies from `POST /ingest` after parsing them.
 * - **jobs**: `GET /v2/jobs?limit=20` with 10,000 jobs (one in five with a trace) in the store, one client:
 *   p50/p99 latency in ms. The baseline answers a canned 20-job page from `GET /jobs`.
 *
 * Every server is its own process: the gateway is the real `hud-gateway` bin (SQLite in a temp data dir,
 * `synchronous=FULL`; PostgreSQL 15 on a throwaway loopback cluster, `fsync=off`), the baseline a fastify
 * child. Each run measures the servers one after the other; figures are medians over runs. The client is
 * node:http with keep-alive. Needs `pnpm --filter @hud/gateway build`.
 *
 *   node bench/gateway-ingest.bench.ts [--runs 3]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBin } from '../apps/gateway/src/testing/bin-process.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from '../apps/gateway/src/testing/postgres-cluster.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const SPANS_PER_BATCH = 100;
const BATCHES_ONE_CLIENT = 150;
const BATCHES_PER_CLIENT_OF_20 = 25;
const JOBS = 10_000;
const LIST_REQUESTS = 2_000;
const KEY = `hud_bench_${randomBytes(16).toString('hex')}`;
const GATEWAY_DIR = fileURLToPath(new URL('../apps/gateway/', import.meta.url));

interface Server {
  name: string;
  url: string;
  ingestPath: (traceId: string) => string;
  jobsPath: string;
  stop: () => Promise<unknown>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request; resolves the status once the body is read. */
function request(url: string, method: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      url,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${KEY}`,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function expectOk(url: string, method: string, body?: string): Promise<void> {
  const status = await request(url, method, body);
  if (status !== 200) throw new Error(`${method} ${url} answered ${status}`);
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A hud-python `hud.step.v1` agent span (spec §8.2) of about 600 bytes. */
function span(traceId: string, step: number): Record<string, unknown> {
  const time = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, step)).toISOString();
  return {
    name: 'step.agent',
    trace_id: traceId,
    span_id: hex(8),
    parent_span_id: null,
    kind: 'INTERNAL',
    start_time: time,
    end_time: time,
    status_code: 'OK',
    status_message: null,
    attributes: {
      'hud.schema': 'hud.step.v1',
      'hud.task_run_id': traceId,
      'hud.payload': {
        step_id: step,
        source: 'agent',
        content: 'I counted the letters one by one: s-t-r-a-w-b-e-r-r-y has three of them.',
        tool_calls: [
          {
            id: hex(8),
            name: 'bash',
            arguments: { command: "grep -o r <<< 'strawberry' | wc -l" },
          },
        ],
        usage: { prompt_tokens: 812, completion_tokens: 64, cached_tokens: 0 },
        model: 'claude-sonnet-4-6',
      },
    },
    events: [],
  };
}

/** `clients` streams of `batches` bodies each, every stream its own trace; built before the clock starts. */
function streams(clients: number, batches: number): { traceId: string; bodies: string[] }[] {
  return Array.from({ length: clients }, () => {
    const traceId = hex(16);
    return {
      traceId,
      bodies: Array.from({ length: batches }, (_, batch) =>
        JSON.stringify({
          telemetry: Array.from({ length: SPANS_PER_BATCH }, (__, index) =>
            span(traceId, batch * SPANS_PER_BATCH + index),
          ),
        }),
      ),
    };
  });
}

/** Spans/s of `clients` concurrent streams, each one request at a time. */
async function ingest(server: Server, clients: number, batches: number): Promise<number> {
  const work = streams(clients, batches);
  const started = performance.now();
  await Promise.all(
    work.map(async ({ traceId, bodies }) => {
      for (const body of bodies)
        await expectOk(`${server.url}${server.ingestPath(traceId)}`, 'POST', body);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return (clients * batches * SPANS_PER_BATCH) / seconds;
}

/** p50 and p99 latency (ms) of `count` sequential GETs of `path`. */
async function latency(server: Server, count: number): Promise<{ p50: number; p99: number }> {
  for (let index = 0; index < 200; index++)
    await expectOk(`${server.url}${server.jobsPath}`, 'GET');
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await expectOk(`${server.url}${server.jobsPath}`, 'GET');
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/** 10,000 jobs (one in five with a trace), through the lifecycle routes, 20 requests at a time (not timed). */
async function seedJobs(server: Server): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < JOBS) {
        const index = next++;
        const jobId = hex(16);
        await expectOk(
          `${server.url}/v2/trace/job/${jobId}/enter`,
          'POST',
          JSON.stringify({ name: `letter-count #${index} (3 tasks)`, group: 1 }),
        );
        if (index % 5 !== 0) continue;
        await expectOk(
          `${server.url}/v2/trace/${hex(16)}/enter`,
          'POST',
          JSON.stringify({
            job_id: jobId,
            task_slug: 'count-e8d5ddbb',
            model: 'claude-sonnet-4-6',
          }),
        );
      }
    }),
  );
}

const BASELINE = `
import fastify from 'fastify';
const page = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: String(i).padStart(32, '0'),
  name: 'letter-count (3 tasks)', status: 'completed', created_at: new Date().toISOString(), trace_count: 1 })),
  next_cursor: null });
const app = fastify({ bodyLimit: 64 * 1024 * 1024 });
app.post('/ingest', async (request) => ({ received: request.body.telemetry.length }));
app.get('/jobs', async (_request, reply) => reply.type('application/json').send(page));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write('listening on http://127.0.0.1:' + app.server.address().port + '\\n');
`;

async function startBaseline(): Promise<Server> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BASELINE], {
    cwd: GATEWAY_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`baseline exited (${code})`)));
  });
  return {
    name: 'empty fastify route',
    url,
    ingestPath: () => '/ingest',
    jobsPath: '/jobs',
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

async function startGateway(name: string, args: string[]): Promise<Server> {
  const gateway = await startBin(['--port', '0', '--log-level', 'warn', ...args], {
    HUD_GATEWAY_BOOTSTRAP_KEY: KEY,
  });
  return {
    name,
    url: gateway.url,
    ingestPath: (traceId) => `/v3/api/trace/${traceId}/telemetry-upload`,
    jobsPath: '/v2/jobs?limit=20',
    stop: () => gateway.stop(),
  };
}

await stats.printContext(
  `apps/gateway: span ingestion and GET /v2/jobs (${RUNS} run${RUNS === 1 ? '' : 's'}, ${SPANS_PER_BATCH} spans per batch)`,
);
const dataDir = await mkdtemp(path.join(tmpdir(), 'hud-gateway-bench-'));
const servers: Server[] = [];
let cluster: PostgresCluster | undefined;
try {
  servers.push(await startBaseline());
  servers.push(await startGateway('gateway, SQLite', ['--data-dir', dataDir]));
  const unavailable = postgresUnavailable();
  if (unavailable) {
    console.log(`PostgreSQL rows skipped: ${unavailable}`);
  } else {
    cluster = await startPostgresCluster();
    const url = await cluster.createDatabase('bench');
    servers.push(await startGateway('gateway, PostgreSQL', ['--database-url', url]));
  }
  for (const server of servers.slice(1)) await seedJobs(server);

  const one = new Map<string, number[]>();
  const twenty = new Map<string, number[]>();
  const p50 = new Map<string, number[]>();
  const p99 = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, value: number) =>
    map.set(key, [...(map.get(key) ?? []), value]);
  for (const server of servers) await ingest(server, 2, 10); // warm-up
  for (let run = 0; run < RUNS; run++) {
    for (const server of servers) {
      push(one, server.name, await ingest(server, 1, BATCHES_ONE_CLIENT));
      push(twenty, server.name, await ingest(server, 20, BATCHES_PER_CLIENT_OF_20));
      const { p50: median, p99: tail } = await latency(server, LIST_REQUESTS);
      push(p50, server.name, median);
      push(p99, server.name, tail);
    }
  }
  const base = servers[0]?.name ?? '';
  const med = (map: Map<string, number[]>, name: string) => stats.median(map.get(name) ?? [NaN]);
  stats.printTable([
    ['server', 'spans/s, 1 client', 'vs base', 'spans/s, 20 clients', 'vs base'],
    ...servers.map((server) => [
      server.name,
      stats.formatNumber(med(one, server.name)),
      stats.formatRatio(med(one, server.name) / med(one, base)),
      stats.formatNumber(med(twenty, server.name)),
      stats.formatRatio(med(twenty, server.name) / med(twenty, base)),
    ]),
  ]);
  console.log('');
  stats.printTable([
    [
      'server',
      `GET /v2/jobs p50 ms (${JOBS.toLocaleString('en-US')} jobs)`,
      'p99 ms',
      'p50 vs base',
    ],
    ...servers.map((server) => [
      server.name,
      stats.formatNumber(med(p50, server.name), 2),
      stats.formatNumber(med(p99, server.name), 2),
      stats.formatRatio(med(p50, server.name) / med(p50, base)),
    ]),
  ]);
} finally {
  for (const server of servers) await server.stop().catch(() => {});
  agent.destroy();
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
}
