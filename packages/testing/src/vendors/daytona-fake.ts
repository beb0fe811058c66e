import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import ssh2 from 'ssh2';
import type { FakeProcess, FakeSandbox, FakeSandboxBackend } from './sandbox-backend.js';

/** A request the fake Daytona API received (the API key is never recorded). */
export interface DaytonaFakeRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** Whether it carried `Authorization: Bearer <the expected key>`. */
  readonly authorized: boolean;
}

/** A status to answer instead of serving, for the next request to `call`. */
export interface DaytonaFault {
  call: 'create' | 'delete' | 'ssh-access';
  status: number;
}

/** A sandbox of the fake, as created. */
export interface DaytonaFakeSandbox {
  readonly id: string;
  /** The image of the `FROM` line of the build info (or the snapshot name). */
  readonly image: string;
  /** The create request's body as sent. */
  readonly request: Record<string, unknown>;
  readonly sandbox: FakeSandbox;
  readonly commands: { id: string; command: string; output: string; process: FakeProcess }[];
  /** SSH access tokens issued for it. */
  readonly tokens: string[];
  deleted: boolean;
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

/**
 * A local fake of Daytona's API, toolbox and SSH gateway, reached by the real `@daytonaio/sdk` through its
 * `apiUrl` (= {@link DaytonaFake.url}). Serves `POST /sandbox` (checks the Bearer key, records the body,
 * creates a sandbox on the backend from the image of its build info), `DELETE /sandbox/:id`,
 * `POST /sandbox/:id/ssh-access` (a token, and an `sshCommand` naming this fake's SSH server), the
 * toolbox's sessions (`POST …/process/session`, `…/exec` with `runAsync`, `GET …/logs`), and an SSH server
 * (ssh2's `Server`) that accepts a live token as user name and forwards `direct-tcpip` channels to that
 * port of the token's sandbox. `faults` answer a status instead of serving.
 */
export class DaytonaFake {
  readonly requests: DaytonaFakeRequest[] = [];
  readonly sandboxes = new Map<string, DaytonaFakeSandbox>();
  readonly faults: DaytonaFault[] = [];
  /** Forwards the SSH server opened: `{token, port}` per `direct-tcpip` channel. */
  readonly forwards: { sandboxId: string; port: number }[] = [];
  readonly #server: Server;
  readonly #ssh: ssh2.Server;
  readonly #apiKey: string;
  readonly #backend: FakeSandboxBackend;

  private constructor(
    server: Server,
    ssh: ssh2.Server,
    apiKey: string,
    backend: FakeSandboxBackend,
  ) {
    this.#server = server;
    this.#ssh = ssh;
    this.#apiKey = apiKey;
    this.#backend = backend;
  }

  /** Listens (HTTP and SSH) on 127.0.0.1. */
  static async start(options: {
    apiKey: string;
    backend: FakeSandboxBackend;
  }): Promise<DaytonaFake> {
    const server = createServer();
    const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
    const ssh = new ssh2.Server({ hostKeys: [hostKey] });
    const fake = new DaytonaFake(server, ssh, options.apiKey, options.backend);
    server.on('request', (req, res) => {
      fake.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { statusCode: 500, message: String(error) });
        else res.destroy();
      });
    });
    ssh.on('connection', (client) => {
      let sandbox: DaytonaFakeSandbox | undefined;
      client.on('error', () => {});
      client.on('authentication', (ctx) => {
        sandbox = [...fake.sandboxes.values()].find(
          (entry) => !entry.deleted && entry.tokens.includes(ctx.username),
        );
        if (sandbox) ctx.accept();
        else ctx.reject();
      });
      client.on('ready', () => {
        client.on('tcpip', (accept, reject, info) => {
          const target = sandbox;
          if (!target || target.deleted) return reject();
          fake.forwards.push({ sandboxId: target.id, port: info.destPort });
          target.sandbox.connect(info.destPort).then(
            (tcp) => {
              const channel = accept();
              tcp.on('error', () => channel.destroy());
              channel.on('error', () => tcp.destroy());
              pipeline(channel, tcp, () => {});
              pipeline(tcp, channel, () => {});
            },
            () => reject(),
          );
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => ssh.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:<port>`: the SDK's `apiUrl`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The SSH gateway's port on 127.0.0.1. */
  get sshPort(): number {
    return (this.#ssh.address() as AddressInfo).port;
  }

  /** Sandboxes not deleted yet. */
  get alive(): DaytonaFakeSandbox[] {
    return [...this.sandboxes.values()].filter((sandbox) => !sandbox.deleted);
  }

  #fault(call: DaytonaFault['call']): number | undefined {
    const index = this.faults.findIndex((fault) => fault.call === call);
    if (index === -1) return undefined;
    return this.faults.splice(index, 1)[0]?.status;
  }

  #dto(entry: DaytonaFakeSandbox, state: string) {
    const request = entry.request;
    return {
      id: entry.id,
      name: entry.id,
      organizationId: 'fake-org',
      user: 'daytona',
      env: request.env ?? {},
      labels: request.labels ?? {},
      public: false,
      networkBlockAll: false,
      target: 'fake',
      cpu: request.cpu ?? 1,
      gpu: 0,
      memory: request.memory ?? 1,
      disk: request.disk ?? 3,
      state,
      toolboxProxyUrl: `${this.url}/toolbox`,
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    const body =
      raw.length && String(req.headers['content-type']).includes('json')
        ? JSON.parse(raw.toString())
        : undefined;
    const authorized = req.headers.authorization === `Bearer ${this.#apiKey}`;
    this.requests.push({ method: req.method ?? '', path: url.pathname, body, authorized });
    if (!authorized) return json(res, 401, { statusCode: 401, message: 'Invalid API key' });
    const path = url.pathname;
    if (req.method === 'POST' && path === '/sandbox') {
      const status = this.#fault('create');
      if (status) return json(res, status, { statusCode: status, message: `injected ${status}` });
      const request = body as Record<string, unknown>;
      const dockerfile = String(
        (request.buildInfo as { dockerfileContent?: string })?.dockerfileContent ?? '',
      );
      const image = /^FROM\s+(\S+)/m.exec(dockerfile)?.[1] ?? String(request.snapshot ?? '');
      const id = randomUUID();
      const sandbox = await this.#backend.create({
        id,
        image,
        env: (request.env as Record<string, string>) ?? {},
        labels: (request.labels as Record<string, string>) ?? {},
        // Daytona runs its own daemon, not the image's CMD: the runtime starts the environment itself.
        entrypoint: ['sleep', 'infinity'],
      });
      const entry: DaytonaFakeSandbox = {
        id,
        image,
        request,
        sandbox,
        commands: [],
        tokens: [],
        deleted: false,
      };
      this.sandboxes.set(id, entry);
      return json(res, 200, this.#dto(entry, 'started'));
    }
    if (req.method === 'GET' && path === '/sandbox') {
      // `labels`: a JSON object every listed sandbox's labels must contain.
      const wanted = JSON.parse(url.searchParams.get('labels') ?? '{}') as Record<string, string>;
      const items = this.alive
        .filter((entry) => {
          const labels = (entry.request.labels ?? {}) as Record<string, string>;
          return Object.entries(wanted).every(([key, value]) => labels[key] === value);
        })
        .map((entry) => this.#dto(entry, 'started'));
      return json(res, 200, { items, total: items.length, nextCursor: null });
    }
    const sandboxRoute = /^\/sandbox\/([^/]+)(\/ssh-access)?$/.exec(path);
    if (sandboxRoute) {
      const entry = this.sandboxes.get(sandboxRoute[1] ?? '');
      if (!entry || entry.deleted)
        return json(res, 404, { statusCode: 404, message: 'Sandbox not found' });
      if (req.method === 'DELETE' && !sandboxRoute[2]) {
        const status = this.#fault('delete');
        if (status) return json(res, status, { statusCode: status, message: `injected ${status}` });
        entry.deleted = true;
        await entry.sandbox.remove();
        return json(res, 200, this.#dto(entry, 'destroyed'));
      }
      if (req.method === 'POST' && sandboxRoute[2]) {
        const status = this.#fault('ssh-access');
        if (status) return json(res, status, { statusCode: status, message: `injected ${status}` });
        const token = randomUUID().replaceAll('-', '');
        entry.tokens.push(token);
        return json(res, 200, {
          id: randomUUID(),
          sandboxId: entry.id,
          token,
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          sshCommand: `ssh -p ${this.sshPort} ${token}@127.0.0.1`,
        });
      }
    }
    const toolbox =
      /^\/toolbox\/([^/]+)\/process\/session(?:\/([^/]+)(?:\/(exec)|\/command\/([^/]+)\/logs))?$/.exec(
        path,
      );
    if (toolbox) {
      const entry = this.sandboxes.get(toolbox[1] ?? '');
      if (!entry || entry.deleted)
        return json(res, 404, { statusCode: 404, message: 'Sandbox not found' });
      if (req.method === 'POST' && !toolbox[2]) return json(res, 201, {});
      if (req.method === 'POST' && toolbox[3]) {
        const { command } = body as { command: string };
        const id = randomUUID();
        const record = { id, command, output: '', process: undefined as unknown as FakeProcess };
        record.process = entry.sandbox.exec(['sh', '-c', command], {
          onOutput: (_stream, chunk) => {
            record.output += chunk.toString();
          },
        });
        entry.commands.push(record);
        return json(res, 202, { cmdId: id });
      }
      if (req.method === 'GET' && toolbox[4]) {
        const record = entry.commands.find((command) => command.id === toolbox[4]);
        if (!record) return json(res, 404, { statusCode: 404, message: 'command not found' });
        return json(res, 200, { output: record.output, stdout: record.output, stderr: '' });
      }
    }
    json(res, 404, { statusCode: 404, message: `no route ${req.method} ${path}` });
  }

  /** Removes every sandbox left and stops listening. */
  async close(): Promise<void> {
    for (const sandbox of this.sandboxes.values()) await sandbox.sandbox.remove();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await new Promise<void>((resolve) => this.#ssh.close(() => resolve()));
  }
}
