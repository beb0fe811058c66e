import { connect } from 'node:net';
import type Docker from 'dockerode';
import type { FakeKubeFaults } from './faults.js';

/** A pod object as the API serves it (JSON; only the fields the fake reads are typed). */
export interface PodObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec: {
    containers: Array<{
      name: string;
      image: string;
      env?: Array<{ name: string; value?: string }>;
      ports?: Array<{ containerPort: number }>;
      command?: string[];
      args?: string[];
      [key: string]: unknown;
    }>;
    activeDeadlineSeconds?: number;
    [key: string]: unknown;
  };
  status: Record<string, unknown> & {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/** What a {@link FakePod} needs of its server. @internal */
export interface PodHost {
  readonly docker: Docker;
  readonly faults: FakeKubeFaults;
  /** Labels added to every container (the server's id), so tests can find leftovers. */
  readonly containerLabels: Readonly<Record<string, string>>;
  /** Stamps a new resourceVersion on the pod and sends a `MODIFIED` event to the watches. */
  changed(pod: FakePod): void;
}

const now = () => new Date().toISOString();

/**
 * One pod of the fake API server, backed by a real Docker container: `Pending` until the container runs,
 * `Running` with `podIP` = the container's bridge address, `Ready` once its first container port accepts
 * a TCP connection (the readiness probe), `Failed`/`Succeeded` when the container exits, `Failed` with
 * reason `DeadlineExceeded` after `activeDeadlineSeconds`.
 * @internal
 */
export class FakePod {
  readonly object: PodObject;
  readonly #host: PodHost;
  #container: Docker.Container | undefined;
  #deleted = false;
  #timers: NodeJS.Timeout[] = [];

  constructor(object: PodObject, host: PodHost) {
    this.object = object;
    this.#host = host;
    object.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
    };
  }

  get key(): string {
    return `${this.object.metadata.namespace}/${this.object.metadata.name}`;
  }

  /** The container id, once created. */
  get containerId(): string | undefined {
    return this.#container?.id;
  }

  /** The first declared container port (the readiness probe's and the default forward's). */
  get port(): number | undefined {
    return this.object.spec.containers[0]?.ports?.[0]?.containerPort;
  }

  /** Runs the pod's container and follows it (in the background; failures become the pod's status). */
  start(): void {
    if (this.#host.faults.stuckPending) {
      this.object.status.conditions = [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: 1 Insufficient cpu (fake API server fault).',
        },
      ];
      this.#host.changed(this);
      return;
    }
    void this.#run().catch((error: unknown) => {
      if (this.#deleted) return;
      this.#setWaiting(
        'CreateContainerError',
        error instanceof Error ? error.message : String(error),
      );
    });
  }

  async #run(): Promise<void> {
    const spec = this.object.spec.containers[0];
    if (!spec) throw new Error('pod has no container');
    const exposed = (spec.ports ?? []).map((port) => `${port.containerPort}/tcp`);
    const exit = this.#host.faults.exitOnStart;
    const cmd = exit
      ? ['sh', '-c', `echo ${JSON.stringify(exit.output)}; exit ${exit.code}`]
      : spec.command
        ? [...spec.command, ...(spec.args ?? [])]
        : spec.args;
    let container: Docker.Container;
    try {
      container = await this.#host.docker.createContainer({
        Image: spec.image,
        Cmd: cmd,
        Env: (spec.env ?? []).map((env) => `${env.name}=${env.value ?? ''}`),
        Labels: {
          ...this.object.metadata.labels,
          ...this.#host.containerLabels,
          'hud.k8s-fake.pod': this.key,
        },
        ExposedPorts: Object.fromEntries(exposed.map((port) => [port, {}])),
        HostConfig: { AutoRemove: false },
      });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) {
        this.#setWaiting('ErrImageNeverPull', `image "${spec.image}" is not present on the node`);
        return;
      }
      throw error;
    }
    this.#container = container;
    if (this.#deleted) {
      await container.remove({ force: true }).catch(() => {});
      return;
    }
    await container.start();
    const info = await container.inspect();
    const ip = Object.values(info.NetworkSettings.Networks ?? {})[0]?.IPAddress || undefined;
    const startedAt = now();
    Object.assign(this.object.status, {
      phase: 'Running',
      podIP: ip,
      podIPs: ip ? [{ ip }] : [],
      hostIP: '127.0.0.1',
      startTime: startedAt,
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'ContainersReady', status: 'False' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
      ],
      containerStatuses: [
        {
          name: spec.name,
          image: spec.image,
          imageID: info.Image,
          containerID: `docker://${container.id}`,
          ready: false,
          restartCount: 0,
          started: true,
          state: { running: { startedAt } },
        },
      ],
    });
    this.#host.changed(this);
    void container.wait().then(
      (result: { StatusCode?: number }) => this.#exited(result.StatusCode ?? -1),
      () => {},
    );
    const deadline = this.object.spec.activeDeadlineSeconds;
    if (deadline !== undefined) {
      const timer = setTimeout(() => void this.#deadline(), deadline * 1000);
      timer.unref();
      this.#timers.push(timer);
    }
    if (ip && this.port !== undefined) this.#probe(ip, this.port);
  }

  /** The TCP readiness probe: every 200 ms until the port accepts (or the pod ends). */
  #probe(ip: string, port: number): void {
    const attempt = () => {
      if (this.#deleted || this.object.status.phase !== 'Running') return;
      const socket = connect({ host: ip, port });
      socket.once('connect', () => {
        socket.destroy();
        if (this.#deleted || this.object.status.phase !== 'Running') return;
        this.#setReady(true);
      });
      socket.once('error', () => {
        socket.destroy();
        const timer = setTimeout(attempt, 200);
        timer.unref();
        this.#timers.push(timer);
      });
    };
    attempt();
  }

  #setReady(ready: boolean): void {
    for (const condition of this.object.status.conditions ?? []) {
      if (condition.type === 'Ready' || condition.type === 'ContainersReady') {
        condition.status = ready ? 'True' : 'False';
        if (ready) delete condition.reason;
      }
    }
    const statuses = this.object.status.containerStatuses as Array<{ ready: boolean }> | undefined;
    for (const status of statuses ?? []) status.ready = ready;
    this.#host.changed(this);
  }

  #setWaiting(reason: string, message: string): void {
    const spec = this.object.spec.containers[0];
    this.object.status.containerStatuses = [
      {
        name: spec?.name,
        image: spec?.image,
        ready: false,
        restartCount: 0,
        state: { waiting: { reason, message } },
      },
    ];
    this.#host.changed(this);
  }

  #exited(code: number, reason?: string): void {
    if (this.#deleted || this.object.status.phase === 'Failed') return;
    const finishedAt = now();
    this.object.status.phase = code === 0 && !reason ? 'Succeeded' : 'Failed';
    if (reason) {
      this.object.status.reason = reason;
      this.object.status.message = `Pod was active on the node longer than the specified deadline`;
    }
    for (const condition of this.object.status.conditions ?? []) {
      if (condition.type === 'Ready' || condition.type === 'ContainersReady') {
        condition.status = 'False';
        condition.reason = 'PodCompleted';
      }
    }
    const statuses = this.object.status.containerStatuses as
      | Array<{ ready: boolean; state: unknown }>
      | undefined;
    for (const status of statuses ?? []) {
      status.ready = false;
      status.state = {
        terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', finishedAt },
      };
    }
    this.#host.changed(this);
  }

  async #deadline(): Promise<void> {
    if (this.#deleted) return;
    this.#exited(137, 'DeadlineExceeded');
    await this.#container?.kill().catch(() => {});
  }

  /** The container's last `tail` log lines (stdout and stderr), `''` before it exists. */
  async logs(tail?: number): Promise<string> {
    if (!this.#container) return '';
    const buffer = (await this.#container.logs({
      stdout: true,
      stderr: true,
      follow: false,
      ...(tail !== undefined ? { tail } : {}),
    })) as unknown as Buffer;
    const chunks: Buffer[] = [];
    // Frames: 8-byte header (stream, 0,0,0, big-endian length) + payload.
    let offset = 0;
    while (offset + 8 <= buffer.length) {
      const length = buffer.readUInt32BE(offset + 4);
      chunks.push(buffer.subarray(offset + 8, offset + 8 + length));
      offset += 8 + length;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The container, for exec. */
  get container(): Docker.Container | undefined {
    return this.#container;
  }

  /** `docker rm -f` of the container; stops the probe and deadline. Idempotent. */
  async remove(): Promise<void> {
    this.#deleted = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    await this.#container?.remove({ force: true, v: true }).catch((error: unknown) => {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw error;
    });
  }
}
