import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { FakeProcess, FakeSandbox, FakeSandboxBackend } from './sandbox-backend.js';

/** A request the fake E2B control plane received (the API key is never recorded). */
export interface E2BFakeRequest {
  readonly method: string;
  readonly path: string;
  /** Parsed JSON body, if any. */
  readonly body: unknown;
  /** Whether the request carried the expected `X-API-KEY`. */
  readonly authorized: boolean;
}

/** A status to answer instead of serving, for the next request to `call`. */
export interface E2BFault {
  call: 'create' | 'kill';
  status: number;
}

/** A sandbox of the fake, with its backend handle. */
export interface E2BFakeSandbox {
  readonly id: string;
  readonly template: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly envVars: Readonly<Record<string, string>>;
  readonly timeoutS: number | undefined;
  readonly sandbox: FakeSandbox;
  killed: boolean;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** One Connect-protocol envelope: flags, 4-byte big-endian length, JSON message. */
const envelope = (flags: number, message: unknown) => {
  const data = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
};

/**
 * A local fake of E2B's control plane and sandbox data plane, reached by the real `e2b` SDK through its
 * settings (`apiUrl` and `sandboxUrl` both = {@link E2BFake.url}, `domain` anything). Serves:
 * `POST /v2/sandboxes` (checks `X-API-KEY`, records template, metadata, envVars, timeout; creates a
 * sandbox on the backend with the template as its image, through `images`), `DELETE /sandboxes/:id`
 * (404 for unknown), envd's `POST /files` (multipart) and Connect `process.Process/Start` (JSON,
 * server-streaming: start, data and end events) routed by `E2b-Sandbox-Id`, and WebSocket upgrades with
 * `E2b-Sandbox-Port` spliced to that port of the sandbox. `faults` answer a status instead of serving.
 */
export class E2BFake {
  readonly requests: E2BFakeRequest[] = [];
  readonly sandboxes = new Map<string, E2BFakeSandbox>();
  readonly faults: E2BFault[] = [];
  readonly #server: Server;
  readonly #apiKey: string;
  readonly #backend: FakeSandboxBackend;
  readonly #images: (template: string) => string;
  readonly #processes = new Map<number, FakeProcess>();

  private constructor(
    server: Server,
    options: { apiKey: string; backend: FakeSandboxBackend; images?: (t: string) => string },
  ) {
    this.#server = server;
    this.#apiKey = options.apiKey;
    this.#backend = options.backend;
    this.#images = options.images ?? ((template) => template);
  }

  /** Listens on 127.0.0.1:0. */
  static async start(options: {
    apiKey: string;
    backend: FakeSandboxBackend;
    /** The image of a template (default: the template itself). */
    images?: (template: string) => string;
  }): Promise<E2BFake> {
    const server = createServer();
    const fake = new E2BFake(server, options);
    const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    server.on('request', (req, res) => {
      fake.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { code: 500, message: String(error) });
        else res.destroy();
      });
    });
    server.on('upgrade', (req, socket, head) => {
      // A client that resets while the sandbox's port is being reached must not crash the fake.
      socket.on('error', () => socket.destroy());
      const sandbox = fake.sandboxes.get(String(req.headers['e2b-sandbox-id']));
      const port = Number(req.headers['e2b-sandbox-port']);
      if (!sandbox || sandbox.killed || !Number.isInteger(port)) {
        socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      sandbox.sandbox.connect(port).then(
        (tcp) => {
          if (sandbox.sandbox.proxiesHttp) {
            // A reverse proxy: the upgrade request as it came, then raw bytes both ways.
            const lines = [`${req.method} ${req.url} HTTP/1.1`];
            for (let i = 0; i < req.rawHeaders.length; i += 2) {
              lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
            }
            tcp.write(`${lines.join('\r\n')}\r\n\r\n`);
            if (head.length > 0) tcp.write(head);
            tcp.on('error', () => socket.destroy());
            socket.on('error', () => tcp.destroy());
            pipeline(socket, tcp, () => {});
            pipeline(tcp, socket, () => {});
            return;
          }
          sockets.handleUpgrade(req, socket, head, (ws) => {
            const stream = createWebSocketStream(ws);
            stream.on('error', () => tcp.destroy());
            tcp.on('error', () => ws.terminate());
            pipeline(stream, tcp, () => {});
            pipeline(tcp, stream, () => {});
          });
        },
        // Nothing listens on that port yet: the port host answers 502, as E2B's does.
        () => socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Sandboxes not killed yet. */
  get alive(): E2BFakeSandbox[] {
    return [...this.sandboxes.values()].filter((sandbox) => !sandbox.killed);
  }

  #fault(call: E2BFault['call']): number | undefined {
    const index = this.faults.findIndex((fault) => fault.call === call);
    if (index === -1) return undefined;
    return this.faults.splice(index, 1)[0]?.status;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    const type = String(req.headers['content-type'] ?? '');
    const body =
      type.includes('json') && !type.includes('connect+') && raw.length
        ? JSON.parse(raw.toString())
        : undefined;
    const authorized = req.headers['x-api-key'] === this.#apiKey;
    this.requests.push({ method: req.method ?? '', path: url.pathname, body, authorized });
    const sandboxHeader = req.headers['e2b-sandbox-id'];
    if (sandboxHeader !== undefined) return this.#envd(String(sandboxHeader), url, req, raw, res);
    if (req.method === 'POST' && url.pathname === '/v2/sandboxes') {
      if (!authorized) return json(res, 401, { code: 401, message: 'Invalid API key' });
      const status = this.#fault('create');
      if (status) return json(res, status, { code: status, message: `injected ${status}` });
      const request = body as {
        templateID: string;
        metadata?: Record<string, string>;
        envVars?: Record<string, string>;
        timeout?: number;
      };
      const id = `sbx${randomUUID().replaceAll('-', '').slice(0, 17)}`;
      const sandbox = await this.#backend.create({
        id,
        image: this.#images(request.templateID),
        env: request.envVars ?? {},
        labels: request.metadata ?? {},
      });
      this.sandboxes.set(id, {
        id,
        template: request.templateID,
        metadata: request.metadata ?? {},
        envVars: request.envVars ?? {},
        timeoutS: request.timeout,
        sandbox,
        killed: false,
      });
      return json(res, 201, {
        sandboxID: id,
        templateID: request.templateID,
        clientID: 'fake',
        envdVersion: '0.5.4',
        envdAccessToken: randomUUID(),
      });
    }
    if (req.method === 'GET' && url.pathname === '/v2/sandboxes') {
      if (!authorized) return json(res, 401, { code: 401, message: 'Invalid API key' });
      // `metadata`: URL-encoded `key=value` pairs, every one of which a listed sandbox must carry.
      const wanted = [...new URLSearchParams(url.searchParams.get('metadata') ?? '')].map(
        ([key, value]) => [decodeURIComponent(key), decodeURIComponent(value)] as const,
      );
      const listed = this.alive.filter((sandbox) =>
        wanted.every(([key, value]) => sandbox.metadata[key] === value),
      );
      return json(
        res,
        200,
        listed.map((sandbox) => ({
          sandboxID: sandbox.id,
          templateID: sandbox.template,
          clientID: 'fake',
          metadata: sandbox.metadata,
          startedAt: new Date().toISOString(),
          endAt: new Date(Date.now() + 3_600_000).toISOString(),
          state: 'running',
          cpuCount: 2,
          memoryMB: 512,
          diskSizeMB: 1024,
          envdVersion: '0.5.4',
        })),
      );
    }
    const kill = /^\/sandboxes\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'DELETE' && kill) {
      if (!authorized) return json(res, 401, { code: 401, message: 'Invalid API key' });
      const status = this.#fault('kill');
      if (status) return json(res, status, { code: status, message: `injected ${status}` });
      const sandbox = this.sandboxes.get(kill[1] ?? '');
      if (!sandbox || sandbox.killed) return json(res, 404, { code: 404, message: 'not found' });
      sandbox.killed = true;
      await sandbox.sandbox.remove();
      res.writeHead(204).end();
      return;
    }
    json(res, 404, { code: 404, message: `no route ${req.method} ${url.pathname}` });
  }

  async #envd(
    id: string,
    url: URL,
    req: IncomingMessage,
    raw: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const entry = this.sandboxes.get(id);
    if (!entry || entry.killed) return json(res, 502, { code: 502, message: 'sandbox not found' });
    if (req.method === 'POST' && url.pathname === '/files') {
      const form = await new Request(url, {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body: raw,
      }).formData();
      const written: unknown[] = [];
      for (const value of form.getAll('file')) {
        const file = value as File;
        await entry.sandbox.writeFile(file.name, Buffer.from(await file.arrayBuffer()));
        written.push({ name: file.name.split('/').pop(), type: 'file', path: file.name });
      }
      return json(res, 200, written);
    }
    if (req.method === 'POST' && url.pathname === '/process.Process/Start') {
      const message = JSON.parse(raw.subarray(5).toString()) as {
        process: { cmd: string; args?: string[]; envs?: Record<string, string> };
      };
      res.writeHead(200, { 'content-type': 'application/connect+json' });
      const send = (event: unknown) => res.write(envelope(0, { event }));
      const proc = entry.sandbox.exec([message.process.cmd, ...(message.process.args ?? [])], {
        env: message.process.envs,
        onOutput: (stream, chunk) => send({ data: { [stream]: chunk.toString('base64') } }),
      });
      this.#processes.set(proc.pid, proc);
      send({ start: { pid: proc.pid } });
      req.on('close', () => undefined);
      const code = await proc.exited;
      this.#processes.delete(proc.pid);
      if (!res.writableEnded && !res.destroyed) {
        send({ end: { exitCode: code, exited: true, status: `exit status ${code}` } });
        res.end(envelope(2, {}));
      }
      return;
    }
    if (req.method === 'POST' && url.pathname === '/process.Process/SendSignal') {
      const message = JSON.parse(raw.toString()) as { process?: { pid?: number } };
      this.#processes.get(Number(message.process?.pid))?.kill();
      return json(res, 200, {});
    }
    json(res, 404, { code: 404, message: `no envd route ${url.pathname}` });
  }

  /** Removes every sandbox left and stops listening. */
  async close(): Promise<void> {
    for (const sandbox of this.sandboxes.values()) await sandbox.sandbox.remove();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
