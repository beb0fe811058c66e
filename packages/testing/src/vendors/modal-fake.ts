import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeSandbox, FakeSandboxBackend } from './sandbox-backend.js';

/** gRPC status codes the fake answers with (nice-grpc's `Status`). */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A call the fake control plane received: the gRPC method (`sandboxCreateV2`) and its request message. */
export interface ModalFakeCall {
  readonly method: string;
  readonly request: Record<string, unknown>;
}

/** A gRPC status to answer instead of serving, for the next call of `method`. */
export interface ModalFault {
  method: string;
  code: number;
}

/** A sandbox of the fake. */
export interface ModalFakeSandbox {
  readonly id: string;
  /** The registry image of its `FROM` line. */
  readonly image: string;
  /** The `sandboxCreateV2` request's `definition` as sent. */
  readonly definition: Record<string, unknown>;
  readonly tags: Readonly<Record<string, string>>;
  readonly sandbox: FakeSandbox;
  /** The TCP tunnel endpoint on 127.0.0.1 per container port. */
  readonly tunnels: Map<number, Server>;
  terminated: boolean;
}

/** A gRPC client error as nice-grpc throws it (`code`, `details`). */
function grpcError(method: string, code: number, details: string): Error {
  return Object.assign(new Error(`/modal.client.ModalClient/${method} ${code} ${details}`), {
    name: 'ClientError',
    path: `/modal.client.ModalClient/${method}`,
    code,
    details,
  });
}

/**
 * A fake of Modal's control plane as the JS SDK's injectable gRPC client (`new ModalClient({ cpClient:
 * fake.cpClient })`, as Modal's own JS tests do: its gRPC API cannot be faked over plain HTTP/1). Serves
 * the calls of `apps.fromName`, `images.fromRegistry` + build, `sandboxes.create` (V2: the sandbox on the
 * backend, from the image of the `FROM` line, with the definition's entrypoint as its command when it has
 * one), its tunnels (a raw TCP endpoint on 127.0.0.1 per unencrypted port, spliced to the port in the
 * sandbox: Modal's `tcpSocket`), `wait` (long-polled until terminated) and `terminate`. Every call is
 * recorded; `faults` answer a gRPC status; a method it does not serve throws UNIMPLEMENTED (12) naming it.
 */
export class ModalFake {
  readonly calls: ModalFakeCall[] = [];
  readonly sandboxes = new Map<string, ModalFakeSandbox>();
  readonly faults: ModalFault[] = [];
  /** The client to inject: `new ModalClient({ cpClient: fake.cpClient })`. */
  readonly cpClient: unknown;
  readonly #backend: FakeSandboxBackend;
  readonly #ended = new Map<string, () => void>();

  constructor(options: { backend: FakeSandboxBackend }) {
    this.#backend = options.backend;
    const handlers: Record<string, (request: Record<string, unknown>) => Promise<unknown>> = {
      environmentGetOrCreate: async () => ({
        environmentId: 'en-fake',
        metadata: { name: 'main', settings: { imageBuilderVersion: '2024.10', webhookSuffix: '' } },
      }),
      appGetOrCreate: async () => ({ appId: 'ap-fake' }),
      imageGetOrCreate: async (request) => {
        const image = request.image as { dockerfileCommands?: string[] };
        const from = /^FROM\s+(\S+)/.exec(image.dockerfileCommands?.[0] ?? '')?.[1] ?? '';
        return { imageId: `im-${Buffer.from(from).toString('base64url')}`, result: { status: 1 } };
      },
      sandboxCreateV2: (request) => this.#create(request),
      sandboxWaitV2: (request) => this.#wait(request),
      sandboxWait: (request) => this.#wait(request),
      sandboxTerminateV2: (request) => this.#terminate(request),
      sandboxTerminate: (request) => this.#terminate(request),
    };
    this.cpClient = new Proxy(
      {},
      {
        get: (_target, name) => {
          if (typeof name !== 'string' || name === 'then') return undefined;
          return (request: Record<string, unknown>) => {
            this.calls.push({ method: name, request });
            const index = this.faults.findIndex((fault) => fault.method === name);
            if (index !== -1) {
              const code = this.faults.splice(index, 1)[0]?.code ?? GrpcStatus.INTERNAL;
              return Promise.reject(grpcError(name, code, `injected status ${code}`));
            }
            const handler = handlers[name];
            if (!handler)
              return Promise.reject(grpcError(name, 12, `the fake does not serve ${name}`));
            return handler(request);
          };
        },
      },
    );
  }

  /** Sandboxes not terminated yet. */
  get alive(): ModalFakeSandbox[] {
    return [...this.sandboxes.values()].filter((sandbox) => !sandbox.terminated);
  }

  async #create(request: Record<string, unknown>) {
    const definition = request.definition as Record<string, unknown> & {
      imageId: string;
      entrypointArgs?: string[];
      openPorts?: { ports?: { port: number; unencrypted: boolean }[] };
    };
    const image = Buffer.from(definition.imageId.slice('im-'.length), 'base64url').toString();
    const id = `sb-${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const tags = Object.fromEntries(
      ((request.tags as { tagName: string; tagValue: string }[] | undefined) ?? []).map((tag) => [
        tag.tagName,
        tag.tagValue,
      ]),
    );
    const entrypoint = definition.entrypointArgs ?? [];
    const sandbox = await this.#backend.create({
      id,
      image,
      env: {},
      labels: tags,
      ...(entrypoint.length > 0 ? { entrypoint } : {}),
    });
    const entry: ModalFakeSandbox = {
      id,
      image,
      definition,
      tags,
      sandbox,
      tunnels: new Map(),
      terminated: false,
    };
    this.sandboxes.set(id, entry);
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.#ended.set(id, end);
    (entry as { ended?: Promise<void> }).ended = ended;
    const tunnels = [];
    for (const { port } of (definition.openPorts?.ports ?? []).filter((p) => p.unencrypted)) {
      const server = createServer((socket) => {
        socket.on('error', () => socket.destroy());
        sandbox.connect(port).then(
          (tcp) => {
            tcp.on('error', () => socket.destroy());
            pipeline(socket, tcp, () => {});
            pipeline(tcp, socket, () => {});
          },
          () => socket.destroy(),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      entry.tunnels.set(port, server);
      tunnels.push({
        host: `${id}.example.com`,
        port: 443,
        unencryptedHost: '127.0.0.1',
        unencryptedPort: (server.address() as AddressInfo).port,
        containerPort: port,
      });
    }
    return { sandboxId: id, taskId: `ta-${id}`, tunnels };
  }

  async #wait(request: Record<string, unknown>) {
    const entry = this.sandboxes.get(String(request.sandboxId));
    if (!entry) throw grpcError('sandboxWaitV2', GrpcStatus.NOT_FOUND, 'no such sandbox');
    const ended = (entry as { ended?: Promise<void> }).ended;
    const timeoutMs = Number(request.timeout ?? 10) * 1000;
    const done = await Promise.race([
      ended?.then(() => true),
      sleep(timeoutMs, false, { ref: false }),
    ]);
    // GENERIC_STATUS_TERMINATED (3) once terminated; an empty result means "still running".
    return done ? { result: { status: 3, exitcode: 137 } } : {};
  }

  async #terminate(request: Record<string, unknown>) {
    const entry = this.sandboxes.get(String(request.sandboxId));
    if (!entry) throw grpcError('sandboxTerminateV2', GrpcStatus.NOT_FOUND, 'no such sandbox');
    if (!entry.terminated) {
      entry.terminated = true;
      for (const server of entry.tunnels.values()) server.close();
      await entry.sandbox.remove();
      this.#ended.get(entry.id)?.();
    }
    return {};
  }

  /** Terminates every sandbox left. */
  async close(): Promise<void> {
    for (const entry of this.sandboxes.values()) await this.#terminate({ sandboxId: entry.id });
  }
}
