import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, TRACE_PAGE_LIMIT, ViewerApi } from './api.js';

interface Seen {
  url: string;
  authorization: string | undefined;
}

let server: Server | undefined;

/** A real HTTP server on 127.0.0.1 answering with `reply`; returns its base URL and the requests seen. */
async function serve(reply: (url: URL) => { status?: number; body: unknown }) {
  const seen: Seen[] = [];
  server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    seen.push({
      url: `${url.pathname}${url.search}`,
      authorization: request.headers.authorization,
    });
    const { status = 200, body } = reply(url);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, seen };
}

async function stop(): Promise<void> {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
}

afterEach(stop);

const trace = (index: number) => ({ id: `t${index}`, task_slug: `task-${index % 7}` });

describe('ViewerApi', () => {
  it('pages a job traces by offset until a short page, reporting each page', async () => {
    const total = TRACE_PAGE_LIMIT * 2 + 3;
    const { base, seen } = await serve((url) => {
      const offset = Number(url.searchParams.get('offset'));
      const limit = Number(url.searchParams.get('limit'));
      const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) =>
        trace(offset + i),
      );
      return { body: { job_id: 'j1', items } };
    });
    const sizes: number[] = [];
    const traces = await new ViewerApi({ baseUrl: base }).allJobTraces('j1', (sofar) =>
      sizes.push(sofar.length),
    );
    expect(traces.map((t) => t.id)).toEqual(Array.from({ length: total }, (_, i) => `t${i}`));
    expect(sizes).toEqual([TRACE_PAGE_LIMIT, TRACE_PAGE_LIMIT * 2, total]);
    expect(seen.map((s) => s.url)).toEqual([
      `/v2/jobs/j1/traces?limit=${TRACE_PAGE_LIMIT}&offset=0`,
      `/v2/jobs/j1/traces?limit=${TRACE_PAGE_LIMIT}&offset=${TRACE_PAGE_LIMIT}`,
      `/v2/jobs/j1/traces?limit=${TRACE_PAGE_LIMIT}&offset=${TRACE_PAGE_LIMIT * 2}`,
    ]);
  });

  it('follows next_cursor through the spans of a trace', async () => {
    const { base, seen } = await serve((url) => {
      const cursor = url.searchParams.get('cursor');
      if (cursor === null) return { body: { spans: [{ span_id: 'a' }], next_cursor: 'c1' } };
      if (cursor === 'c1') return { body: { spans: [{ span_id: 'b' }], next_cursor: 'c2' } };
      return { body: { spans: [{ span_id: 'c' }], next_cursor: null } };
    });
    const spans = await new ViewerApi({ baseUrl: base }).traceSpans('abc');
    expect(spans.map((s) => s.span_id)).toEqual(['a', 'b', 'c']);
    expect(seen.map((s) => s.url)).toEqual([
      '/v2/trace/abc/spans?limit=1000',
      '/v2/trace/abc/spans?limit=1000&cursor=c1',
      '/v2/trace/abc/spans?limit=1000&cursor=c2',
    ]);
  });

  it('sends the key as a Bearer token only when it has one, and passes the jobs cursor', async () => {
    const { base, seen } = await serve(() => ({ body: { items: [], next_cursor: null } }));
    await new ViewerApi({ baseUrl: base, key: 'hud_key_1' }).listJobs({ limit: 5, cursor: 'x y' });
    await new ViewerApi({ baseUrl: base }).listJobs();
    expect(seen).toEqual([
      { url: '/v2/jobs?limit=5&cursor=x+y', authorization: 'Bearer hud_key_1' },
      { url: '/v2/jobs?limit=100', authorization: undefined },
    ]);
  });

  it('throws ApiError with the status and the gateway message of an error reply', async () => {
    const { base } = await serve(() => ({
      status: 404,
      body: { error: { code: 'not_found', message: 'no job nope' } },
    }));
    const error = await new ViewerApi({ baseUrl: base }).job('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, message: 'no job nope' });
  });

  it('throws ApiError status 0 naming the route when the server cannot be reached', async () => {
    const { base } = await serve(() => ({ body: {} }));
    await stop();
    const error = await new ViewerApi({ baseUrl: base }).trace('t1').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0 });
    expect((error as Error).message).toContain('GET /v2/trace/t1');
  });
});

describe('ViewerApi viewer routes', () => {
  it('passes the job filters, asks for a leaderboard and pages logs and events by cursor', async () => {
    const { base, seen } = await serve((url) => {
      if (url.pathname.endsWith('/leaderboard')) {
        return { body: { taskset_id: null, taskset_name: 'a b', rows: [] } };
      }
      if (url.pathname === '/v2/jobs') return { body: { items: [], next_cursor: null } };
      return { body: { items: [{ line: 'x' }], next_cursor: null } };
    });
    const api = new ViewerApi({ baseUrl: base, key: 'k' });
    await api.listJobs({ q: 'Word', status: 'running', taskset: '', cursor: 'c1' });
    expect((await api.leaderboard('a b')).taskset_name).toBe('a b');
    expect((await api.traceLogs('t1', { cursor: 'n2' })).items).toEqual([{ line: 'x' }]);
    await api.traceEvents('t1');
    expect(seen.map((s) => s.url)).toEqual([
      '/v2/jobs?limit=100&cursor=c1&q=Word&status=running',
      '/v2/tasksets/a%20b/leaderboard',
      '/v2/trace/t1/logs?limit=500&cursor=n2',
      '/v2/trace/t1/events?limit=500',
    ]);
    expect(seen.every((s) => s.authorization === 'Bearer k')).toBe(true);
    expect(api.stream('/v2/jobs/j/stream')).toMatchObject({
      url: `${base}/v2/jobs/j/stream`,
      headers: { authorization: 'Bearer k', accept: 'text/event-stream' },
    });
  });

  it('reads QA verdicts by job and trace; a 404 (an older server) is no verdicts, a 500 an error', async () => {
    const item = { id: 'r1', subject_id: 't1', verdict: 'flagged' };
    const { base, seen } = await serve((url) => {
      if (url.pathname === '/v2/jobs/j1/qa') return { body: { items: [item] } };
      if (url.pathname === '/v2/trace/t1/qa') return { body: { items: [item] } };
      if (url.pathname === '/v2/trace/t2/qa') return { status: 500, body: { detail: 'boom' } };
      return { status: 404, body: { detail: 'Not Found' } };
    });
    const api = new ViewerApi({ baseUrl: base });
    expect(await api.jobQa('j1')).toEqual([item]);
    expect(await api.traceQa('t1')).toEqual([item]);
    expect(await api.jobQa('old')).toEqual([]);
    expect(await api.traceQa('old')).toEqual([]);
    await expect(api.traceQa('t2')).rejects.toMatchObject({ status: 500, message: 'boom' });
    expect(seen.map((s) => s.url)).toEqual([
      '/v2/jobs/j1/qa',
      '/v2/trace/t1/qa',
      '/v2/jobs/old/qa',
      '/v2/trace/old/qa',
      '/v2/trace/t2/qa',
    ]);
  });
});
