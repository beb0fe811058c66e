import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ViewerApi } from './api.js';
import { openStream, type StreamState } from './sse.js';

let server: Server | undefined;

/** A real HTTP server on 127.0.0.1; `reply` answers the n-th connection (0-based). */
async function serve(reply: (n: number, req: IncomingMessage, res: ServerResponse) => void) {
  const seen: IncomingMessage['headers'][] = [];
  server = createServer((request, response) => {
    seen.push(request.headers);
    reply(seen.length - 1, request, response);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, seen };
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

const head = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });

describe('openStream', () => {
  it('sends the key as a header, parses events across chunks, reconnects after a drop, stops on end', async () => {
    const { base, seen } = await serve((n, _req, res) => {
      head(res);
      if (n === 0) {
        res.write(': ping\n\nid: 7\nevent: snapshot\ndata: {"traces":');
        setTimeout(() => res.end('[{"trace_id":"t1"}]}\n\n'), 20);
        return;
      }
      res.write('event: trace\ndata: {"trace_id":"t1","status":"completed"}\n\n');
      res.write('event: end\ndata: {"job_id":"j"}\n\n');
      // left open: the client must stop by itself after `end`
    });
    const events: [string, unknown][] = [];
    const states: StreamState[] = [];
    const api = new ViewerApi({ baseUrl: base, key: 'sk-test' });
    const handle = openStream({
      target: api.stream('/v2/jobs/j/stream'),
      onEvent: (event, data) => events.push([event, data]),
      onState: (state) => states.push(state),
      retryMs: 10,
    });
    await handle.done;
    expect(events).toEqual([
      ['snapshot', { traces: [{ trace_id: 't1' }] }],
      ['trace', { trace_id: 't1', status: 'completed' }],
      ['end', { job_id: 'j' }],
    ]);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.authorization).toBe('Bearer sk-test');
    expect(seen[0]?.accept).toBe('text/event-stream');
    expect(seen[1]?.['last-event-id']).toBe('7');
    expect(states).toEqual(['connecting', 'open', 'retrying', 'connecting', 'open', 'ended']);
  });

  it('gives up at once on a 401 or 404, and after maxTries on 503s', async () => {
    const { base, seen } = await serve((n, _req, res) => {
      res.writeHead(n === 0 ? 404 : 503).end();
    });
    const api = new ViewerApi({ baseUrl: base });
    const states: [StreamState, string | undefined][] = [];
    await openStream({
      target: api.stream('/gone'),
      onEvent: () => undefined,
      onState: (state, detail) => states.push([state, detail]),
      retryMs: 5,
    }).done;
    expect(states).toEqual([
      ['connecting', undefined],
      ['failed', 'HTTP 404'],
    ]);
    const failed: (string | undefined)[] = [];
    await openStream({
      target: api.stream('/busy'),
      onEvent: () => undefined,
      onState: (state, detail) => state === 'failed' && failed.push(detail),
      retryMs: 5,
      maxTries: 3,
    }).done;
    expect(failed).toEqual(['HTTP 503 (3 tries)']);
    expect(seen).toHaveLength(4);
  });

  it('stops reading and reports nothing more after close()', async () => {
    const { base } = await serve((_n, _req, res) => {
      head(res);
      res.write('event: trace\ndata: {"n":1}\n\n');
    });
    const events: unknown[] = [];
    const handle = openStream({
      target: new ViewerApi({ baseUrl: base }).stream('/s'),
      onEvent: (_event, data) => {
        events.push(data);
        handle.close();
      },
    });
    await handle.done;
    expect(events).toEqual([{ n: 1 }]);
  });
});
