/**
 * One hosted runtime session on a worker: its control WebSocket, its substrate, and one connection
 * WebSocket per client tunnel bridged to the substrate's control port.
 */
import net from 'node:net';
import { pipeline } from 'node:stream';
import { parseControlUrl, type RuntimeLease } from '@hud/protocol';
import WebSocket, { createWebSocketStream } from 'ws';
import type { SessionEnvironment, SessionSubstrates } from './sessions-substrate.js';

/** A session as `POST /v2/workers/sessions/claim` hands it out. */
export interface ClaimedSession {
  session_id: string;
  team_id: string;
  environment: SessionEnvironment;
  trace_id: string | null;
}

/** How a session reaches the gateway. */
export interface SessionGateway {
  /** The gateway's http(s) base URL, without a trailing slash. */
  url: string;
  apiKey: string;
}

const noop = () => {};

/**
 * POSTs `body` to `route` of the gateway.
 * @throws Error naming the URL and status on a refusal, or the URL and the network error's code
 *   (`ECONNREFUSED`, …) when the gateway cannot be reached.
 */
export async function postJson(
  gateway: SessionGateway,
  route: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  const url = `${gateway.url}${route}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    // undici's "fetch failed" says nothing: its cause has the code (ECONNREFUSED, ENOTFOUND) or reason.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : cause?.message;
    throw new Error(
      `POST ${url} failed: ${(error as Error).message}${why ? ` (${String(why)})` : ''}`,
      { cause: error },
    );
  }
  const text = await response.text();
  if (!response.ok)
    throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Opens a WebSocket to `route` of the gateway with the Bearer key; resolves once open. */
function openSocket(gateway: SessionGateway, route: string): Promise<WebSocket> {
  const socket = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}${route}`, {
    headers: { authorization: `Bearer ${gateway.apiKey}` },
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.off('error', reject);
      socket.on('error', noop);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Bridges connection `connectionId` of the session: opens its connection WebSocket and pipes it to a new
 * TCP connection to the substrate's control port, both ways with backpressure; either side closing
 * closes the other.
 */
function bridge(
  gateway: SessionGateway,
  sessionId: string,
  connectionId: string,
  lease: RuntimeLease,
): void {
  const { host, port } = parseControlUrl(lease.url);
  const socket = new WebSocket(
    `${gateway.url.replace(/^http/, 'ws')}/v2/workers/sessions/${sessionId}/connections/${encodeURIComponent(connectionId)}`,
    { headers: { authorization: `Bearer ${gateway.apiKey}` }, perMessageDeflate: false },
  );
  socket.on('error', noop);
  const stream = createWebSocketStream(socket);
  stream.on('error', noop);
  const tcp = net.connect(port, host);
  tcp.setNoDelay(true);
  tcp.on('error', noop);
  pipeline(stream, tcp, noop);
  pipeline(tcp, stream, noop);
}

/**
 * Serves one claimed session until it ends: opens the control WebSocket, starts the substrate, reports
 * `ready` (or `failed` with the reason), answers every `{"connect": id}` with a bridge, and tears the
 * substrate down when the gateway ends the session (`{"close": reason}` / the control socket closing),
 * when the substrate dies (reported as `failed` with why), or when `signal` aborts (the worker stops).
 * Resolves once the substrate is gone. Never throws; `log` gets one line per event.
 */
export async function serveSession(options: {
  gateway: SessionGateway;
  session: ClaimedSession;
  substrates: SessionSubstrates;
  signal: AbortSignal;
  log: (line: string) => void;
}): Promise<void> {
  const { gateway, session, log } = options;
  const id = session.session_id;
  const name = session.environment.name;
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  const fail = (error: string) =>
    postJson(gateway, `/v2/workers/sessions/${id}/failed`, { error }).catch(noop);
  let control: WebSocket | undefined;
  let lease: RuntimeLease | undefined;
  try {
    control = await openSocket(gateway, `/v2/workers/sessions/${id}/control`);
    const pendingConnects: string[] = [];
    control.on('message', (data: Buffer) => {
      let message: { connect?: unknown; close?: unknown };
      try {
        message = JSON.parse(data.toString('utf8')) as typeof message;
      } catch {
        return;
      }
      if (typeof message.connect === 'string') {
        if (lease) bridge(gateway, id, message.connect, lease);
        else pendingConnects.push(message.connect);
      }
      if (typeof message.close === 'string') log(`session ${id} (${name}) ended: ${message.close}`);
    });
    control.once('close', () => stop.abort(new Error('the control connection closed')));
    log(`session ${id}: starting environment '${name}'`);
    try {
      lease = await options.substrates.start(id, session.environment, stop.signal);
    } catch (error) {
      if (!stop.signal.aborted) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`session ${id}: '${name}' did not start: ${reason}`);
        await fail(reason);
      }
      return;
    }
    for (const connection of pendingConnects.splice(0)) bridge(gateway, id, connection, lease);
    const died = lease.signal;
    const onDeath = () => {
      const reason = died?.reason instanceof Error ? died.reason.message : String(died?.reason);
      log(`session ${id}: the substrate of '${name}' died: ${reason}`);
      void fail(`the substrate died: ${reason}`);
      stop.abort(died?.reason);
    };
    if (died?.aborted) onDeath();
    else died?.addEventListener('abort', onDeath, { once: true });
    if (!stop.signal.aborted) {
      await postJson(gateway, `/v2/workers/sessions/${id}/ready`, {}).catch((error: unknown) => {
        log(`session ${id}: reporting ready failed: ${String(error)}`);
        stop.abort(error);
      });
    }
    if (!stop.signal.aborted) log(`session ${id}: '${name}' ready`);
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      else stop.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    died?.removeEventListener('abort', onDeath);
  } catch (error) {
    log(`session ${id}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    if (control && control.readyState === WebSocket.OPEN) control.close(1000, 'worker done');
    if (lease) {
      try {
        await lease[Symbol.asyncDispose]();
      } catch (error) {
        log(`session ${id}: tearing down '${name}' failed: ${String(error)}`);
      }
      log(`session ${id}: '${name}' torn down`);
    }
  }
}
