import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { CdpPipe } from './cdp-pipe.js';
import { type CdpPeer, CdpSessions } from './cdp-sessions.js';

/** Options of {@link CdpFront.start}. */
export interface CdpFrontOptions {
  /**
   * Decides per accepted connection, before a byte is read, whether it may talk to the browser; a refused
   * one gets `403 Forbidden` and is closed. Default: every connection.
   */
  accept?: (socket: Socket) => Promise<boolean>;
  /** The reason a refused connection is told. */
  refusal?: string;
}

/** Largest message a client may send, bytes (Chromium's own limit is far above what clients send). */
const MAX_CLIENT_MESSAGE_BYTES = 256 * 1024 * 1024;

/**
 * The DevTools HTTP and WebSocket endpoints of a Chromium that speaks CDP only on its pipe
 * (`--remote-debugging-pipe`), served on 127.0.0.1 as Chromium serves them on its debugging port:
 * `GET /json/version`, `GET /json` and `/json/list`, `PUT /json/new?<url>`, `/json/activate/<id>`,
 * `/json/close/<id>`, and WebSockets on `/devtools/browser/<id>` and `/devtools/page/<targetId>` (each a
 * session of its own over the pipe, see {@link CdpSessions}). Unlike Chromium's port it can refuse
 * connections (`accept`), which is what it is for: a browser only the control channel's tunnels reach.
 */
export class CdpFront implements AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The browser-level WebSocket, `ws://127.0.0.1:<port>/devtools/browser/<id>`. */
  readonly browserWebSocketUrl: string;
  readonly #listener: TcpServer;
  readonly #connections: Set<Socket>;
  readonly #sessions: CdpSessions;
  #closing: Promise<void> | undefined;

  private constructor(init: {
    listener: TcpServer;
    connections: Set<Socket>;
    sessions: CdpSessions;
    port: number;
    browserId: string;
  }) {
    this.#listener = init.listener;
    this.#connections = init.connections;
    this.#sessions = init.sessions;
    this.port = init.port;
    this.url = `http://127.0.0.1:${init.port}`;
    this.browserWebSocketUrl = `ws://127.0.0.1:${init.port}/devtools/browser/${init.browserId}`;
  }

  /**
   * Starts serving `pipe`'s browser on a free 127.0.0.1 port.
   * @throws the listen error.
   */
  static async start(pipe: CdpPipe, options: CdpFrontOptions = {}): Promise<CdpFront> {
    const sessions = new CdpSessions(pipe);
    const browserId = randomUUID();
    const sockets = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_CLIENT_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    const http = createServer((request, response) => {
      answerHttp(sessions, browserId, request, response).catch((error: unknown) => {
        if (!response.headersSent) text(response, 500, (error as Error).message);
        else response.destroy();
      });
    });
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      const path = (request.url ?? '').split('?', 1)[0] ?? '';
      const match = /^\/devtools\/(browser|page)\/([^/]+)$/.exec(path);
      if (match === null || (match[1] === 'browser' && match[2] !== browserId)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const targetId = match[1] === 'page' ? decodeURIComponent(match[2] as string) : undefined;
      // Attach first (an unknown page is a 404, as Chromium answers); what the session sends before the
      // WebSocket is up waits for it.
      let ws: WebSocket | undefined;
      const early: string[] = [];
      const peer: CdpPeer = {
        send: (message) => (ws === undefined ? early.push(message) : ws.send(message)),
        close: () => (ws === undefined ? socket.destroy() : ws.close()),
      };
      sessions.attach(peer, targetId).then(
        (receive) => {
          if (socket.destroyed) {
            sessions.detach(peer);
            return;
          }
          sockets.handleUpgrade(request, socket, head, (upgraded) => {
            ws = upgraded;
            for (const message of early.splice(0)) upgraded.send(message);
            upgraded.on('message', (data) => receive(data.toString()));
            upgraded.once('close', () => sessions.detach(peer));
          });
        },
        () => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
      );
    });
    const accept = options.accept;
    const refusal = options.refusal ?? 'connection refused';
    const connections = new Set<Socket>();
    const listener = createTcpServer({ pauseOnConnect: true }, (socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
      socket.on('error', () => undefined);
      void (accept === undefined ? Promise.resolve(true) : accept(socket)).then((allowed) => {
        if (!allowed) {
          const body = `${refusal}\n`;
          socket.end(
            `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
          return;
        }
        http.emit('connection', socket);
        socket.resume();
      });
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host: '127.0.0.1', port: 0 }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    const port = (listener.address() as AddressInfo).port;
    return new CdpFront({ listener, connections, sessions, port, browserId });
  }

  /** Sends a command on the browser's own session (`Browser.getVersion`, ...) and resolves with its result. */
  call(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.#sessions.call(method, params);
  }

  /** Stops listening and drops every client. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#sessions.close();
      this.#listener.close(() => resolve());
      for (const socket of this.#connections) socket.destroy();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The `/json/*` endpoints, answered as Chromium's DevTools HTTP handler does. */
async function answerHttp(
  sessions: CdpSessions,
  browserId: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const [path = '', query = ''] = (request.url ?? '').split('?', 2);
  const host = request.headers.host ?? '127.0.0.1';
  const entry = (info: Record<string, unknown>) => ({
    description: '',
    devtoolsFrontendUrl: '',
    id: info.targetId,
    title: info.title,
    type: info.type,
    url: info.url,
    webSocketDebuggerUrl: `ws://${host}/devtools/page/${String(info.targetId)}`,
  });
  if (path === '/json/version') {
    const version = await sessions.call('Browser.getVersion');
    const userAgent = String(version.userAgent ?? '');
    return json(response, {
      Browser: version.product,
      'Protocol-Version': version.protocolVersion,
      'User-Agent': userAgent,
      'V8-Version': version.jsVersion,
      'WebKit-Version': `${/AppleWebKit\/(\S+)/.exec(userAgent)?.[1] ?? ''} (${String(version.revision ?? '')})`,
      webSocketDebuggerUrl: `ws://${host}/devtools/browser/${browserId}`,
    });
  }
  if (path === '/json' || path === '/json/list') {
    const { targetInfos } = await sessions.call('Target.getTargets');
    const listed = (targetInfos as Record<string, unknown>[]).filter(
      (info) => info.type !== 'browser' && info.type !== 'tab',
    );
    return json(response, listed.map(entry));
  }
  if (path === '/json/new') {
    if (request.method !== 'PUT') {
      return text(
        response,
        405,
        `Using unsafe HTTP verb ${request.method} to invoke /json/new. This action supports only PUT verb.`,
      );
    }
    const url = query === '' ? 'about:blank' : decodeURIComponent(query);
    const { targetId } = await sessions.call('Target.createTarget', { url });
    const { targetInfo } = await sessions.call('Target.getTargetInfo', { targetId });
    return json(response, entry(targetInfo as Record<string, unknown>));
  }
  const action = /^\/json\/(activate|close)\/([^/]+)$/.exec(path);
  if (action !== null) {
    const targetId = decodeURIComponent(action[2] as string);
    try {
      if (action[1] === 'activate') {
        await sessions.call('Target.activateTarget', { targetId });
        return text(response, 200, 'Target activated');
      }
      await sessions.call('Target.closeTarget', { targetId });
      return text(response, 200, 'Target is closing');
    } catch {
      return text(response, 404, `No such target id: ${targetId}`);
    }
  }
  return text(response, 404, '');
}

function json(response: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value, null, 3);
  response.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
  response.end(body);
}

function text(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8' });
  response.end(body);
}
