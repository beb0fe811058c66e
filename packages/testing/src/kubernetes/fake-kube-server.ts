import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { WebSocketServer } from 'ws';
import { selfSignedCertificate } from './certificate.js';
import { buffered, CHANNEL_PROTOCOL, serveExec, servePortForward } from './channels.js';
import { FakePod, type PodObject } from './fake-pod.js';
import { type FakeKubeFaults, take } from './faults.js';
import { type WatchFilter, WatchHub } from './watch-hub.js';

/** Options of {@link FakeKubeApiServer.start}. */
export interface FakeKubeApiServerOptions {
  /** The engine whose containers back the pods (default `new Docker()`). */
  docker?: Docker;
  /** The namespace of the generated kubeconfig's context (default `default`). */
  namespace?: string;
  /** Faults to inject from the start (the object stays live: change it as the test goes). */
  faults?: FakeKubeFaults;
}

/** A request the fake received (method and path with query), for assertions. */
export interface FakeKubeRequest {
  readonly method: string;
  readonly path: string;
}

const POD_PATH =
  /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(?:\/(log|exec|portforward|status))?$/;

/**
 * A fake Kubernetes API server on 127.0.0.1 whose pods are real Docker containers, for driving the
 * unmodified official client: pods (create, get, list, watch, delete, log), exec and port-forward over
 * WebSocket with the channel framing, a bearer token checked on every request (from the generated
 * {@link kubeconfig}), and injectable {@link FakeKubeFaults}. Every container carries the label
 * `hud.k8s-fake=<id>` besides the pod's labels. It cannot show scheduling, quotas, RBAC, image pulls or
 * cluster networking: the pod IP is the container's bridge address, reachable from this host.
 */
export class FakeKubeApiServer {
  /** Faults in force; change them at any time. */
  faults: FakeKubeFaults;
  /** Every request received, in order. */
  readonly requests: FakeKubeRequest[] = [];
  /** Every pod created (the live objects: deleted ones keep their last status). */
  readonly created: PodObject[] = [];
  /** This server's id: the `hud.k8s-fake` label of its containers. */
  readonly id = randomBytes(6).toString('hex');
  readonly token = randomBytes(16).toString('hex');
  readonly namespace: string;
  readonly #docker: Docker;
  readonly #server: Server;
  readonly #wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) =>
      offered.has(CHANNEL_PROTOCOL) ? CHANNEL_PROTOCOL : ([...offered][0] ?? false),
  });
  readonly #pods = new Map<string, FakePod>();
  readonly #hub = new WatchHub();
  #portForwards = 0;

  private constructor(server: Server, options: FakeKubeApiServerOptions) {
    this.#server = server;
    this.#docker = options.docker ?? new Docker();
    this.namespace = options.namespace ?? 'default';
    this.faults = options.faults ?? {};
  }

  /** Starts a server on a free loopback port. */
  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const certificate = selfSignedCertificate();
    const server = createServer({ key: certificate.key, cert: certificate.cert });
    const fake = new FakeKubeApiServer(server, options);
    server.on('request', (req, res) => {
      fake.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) fake.#status(res, 500, 'InternalError', String(error));
        else res.destroy();
      });
    });
    server.on('upgrade', (req, socket, head) => {
      // A client that resets before or during the handshake must not crash the fake.
      socket.on('error', () => socket.destroy());
      fake.#upgrade(req, socket, head);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `https://127.0.0.1:<port>` (self-signed: see {@link kubeconfig} for its CA). */
  get url(): string {
    const address = this.#server.address();
    return `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /**
   * A kubeconfig (JSON, which is YAML) with one context `fake` pointing at this server with its
   * certificate as CA, its token and namespace.
   */
  kubeconfig(): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fake',
          cluster: {
            server: this.url,
            'certificate-authority-data': Buffer.from(selfSignedCertificate().cert).toString(
              'base64',
            ),
          },
        },
      ],
      users: [{ name: 'fake', user: { token: this.token } }],
      contexts: [
        { name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: this.namespace } },
      ],
      'current-context': 'fake',
    });
  }

  /** The server's self-signed certificate (PEM): the CA to trust for {@link url}. */
  get ca(): string {
    return selfSignedCertificate().cert;
  }

  /** `<namespace>/<name>` of the pods that exist now. */
  get pods(): string[] {
    return [...this.#pods.keys()];
  }

  /** The pod object `<namespace>/<name>`, if it exists. */
  pod(key: string): PodObject | undefined {
    return this.#pods.get(key)?.object;
  }

  /** Ids of the Docker containers of this server's pods that exist on the engine (any state). */
  async containers(): Promise<string[]> {
    const found = await this.#docker.listContainers({
      all: true,
      filters: { label: [`hud.k8s-fake=${this.id}`] },
    });
    return found.map((container) => container.Id);
  }

  /** Deletes every pod (and container), ends the watches, and stops listening. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pods.values()].map((pod) => pod.remove()));
    this.#pods.clear();
    this.#hub.close();
    for (const client of this.#wss.clients) client.terminate();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const left = await this.containers().catch(() => []);
    await Promise.allSettled(
      left.map((id) => this.#docker.getContainer(id).remove({ force: true, v: true })),
    );
  }

  #authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  #json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.#json(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}` });
    if (!this.#authorized(req)) {
      this.#status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    if (url.pathname === '/api/v1/pods' && req.method === 'GET') {
      this.#listOrWatch(req, res, url, undefined);
      return;
    }
    const match = POD_PATH.exec(url.pathname);
    if (!match) {
      this.#status(res, 404, 'NotFound', `the fake API server does not serve ${url.pathname}`);
      return;
    }
    const [, namespace, name, sub] = match as unknown as [string, string, string?, string?];
    if (!name) {
      if (req.method === 'GET') this.#listOrWatch(req, res, url, namespace);
      else if (req.method === 'POST') await this.#create(req, res, namespace);
      else this.#status(res, 405, 'MethodNotAllowed', `${req.method} not allowed`);
      return;
    }
    const pod = this.#pods.get(`${namespace}/${name}`);
    if (!pod) {
      this.#status(res, 404, 'NotFound', `pods "${name}" not found`);
      return;
    }
    if (sub === 'log') {
      const tail = url.searchParams.get('tailLines');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(await pod.logs(tail === null ? undefined : Number(tail)));
    } else if (req.method === 'GET') {
      this.#json(res, 200, pod.object);
    } else if (req.method === 'DELETE') {
      this.#pods.delete(pod.key);
      await pod.remove();
      this.#hub.publish('DELETED', pod.object, this.#hub.nextVersion());
      this.#json(res, 200, pod.object);
    } else {
      this.#status(res, 405, 'MethodNotAllowed', `${req.method} not allowed`);
    }
  }

  async #create(req: IncomingMessage, res: ServerResponse, namespace: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: PodObject;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PodObject;
    } catch {
      this.#status(res, 400, 'BadRequest', 'the body is not JSON');
      return;
    }
    const status = this.faults.createStatuses?.shift();
    if (status !== undefined) {
      this.#status(
        res,
        status,
        status === 429 ? 'TooManyRequests' : 'InternalError',
        `injected ${status}`,
      );
      return;
    }
    const name = body.metadata?.name;
    if (!name || !body.spec?.containers?.length) {
      this.#status(
        res,
        422,
        'Invalid',
        'Pod is invalid: metadata.name and spec.containers are required',
      );
      return;
    }
    if (take(this.faults, 'conflictOnCreate') || this.#pods.has(`${namespace}/${name}`)) {
      this.#status(res, 409, 'AlreadyExists', `pods "${name}" already exists`);
      return;
    }
    body.metadata = {
      ...body.metadata,
      name,
      namespace,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
      resourceVersion: '0',
    };
    const pod = new FakePod(body, {
      docker: this.#docker,
      faults: this.faults,
      containerLabels: { 'hud.k8s-fake': this.id },
      changed: (changed) => {
        if (this.#pods.get(changed.key) !== changed) return;
        this.#hub.publish('MODIFIED', changed.object, this.#hub.nextVersion());
      },
    });
    this.#pods.set(pod.key, pod);
    this.created.push(pod.object);
    this.#hub.publish('ADDED', pod.object, this.#hub.nextVersion());
    pod.start();
    const delay = this.faults.createDelayMs ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    this.#json(res, 201, pod.object);
  }

  #listOrWatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    namespace: string | undefined,
  ): void {
    const filter: WatchFilter = {
      namespace,
      fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
      labelSelector: url.searchParams.get('labelSelector') ?? undefined,
    };
    if (url.searchParams.get('watch') !== 'true') {
      const items = [...this.#pods.values()]
        .map((pod) => pod.object)
        .filter((object) => WatchHub.matches(object, filter));
      this.#json(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: this.#hub.version },
        items,
      });
      return;
    }
    const since = url.searchParams.get('resourceVersion') ?? undefined;
    const gone = since !== undefined && since !== '0' && take(this.faults, 'goneWatches');
    const cut = this.faults.closeWatch;
    let closeAfter: number | undefined;
    if (cut && cut.count > 0) {
      cut.count--;
      closeAfter = cut.events;
    }
    const current = [...this.#pods.values()].map((pod) => pod.object);
    this.#hub.serve(req, res, { filter, since, gone, closeAfter, current });
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: 'WS', path: `${url.pathname}${url.search}` });
    const match = POD_PATH.exec(url.pathname);
    const pod = match ? this.#pods.get(`${match[1]}/${match[2]}`) : undefined;
    const reject = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (!this.#authorized(req)) {
      reject(401, 'Unauthorized');
      return;
    }
    if (!match || !pod || (match[3] !== 'exec' && match[3] !== 'portforward')) {
      reject(404, 'Not Found');
      return;
    }
    const sub = match[3];
    const drop = sub === 'portforward' && this.#takeDrop();
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // Before any await: the client's first bytes may already be on their way.
      const messages = buffered(ws);
      ws.on('error', () => {});
      if (sub === 'portforward') {
        const port = Number(url.searchParams.get('ports') ?? pod.port);
        servePortForward(ws, messages, pod, port, drop);
      } else {
        const command = url.searchParams.getAll('command');
        void serveExec(ws, messages, pod, command, url.searchParams.get('stdin') === 'true').catch(
          () => ws.terminate(),
        );
      }
    });
  }

  #takeDrop(): boolean {
    const index = this.#portForwards++;
    const drop = this.faults.dropPortForward;
    if (!drop || drop.count <= 0 || index < drop.skip) return false;
    drop.count--;
    return true;
  }
}
