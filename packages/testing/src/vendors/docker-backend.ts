import { execFile, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import type { FakeProcess, FakeSandbox, FakeSandboxBackend } from './sandbox-backend.js';

const run = promisify(execFile);

/** The label on every container a {@link DockerBackend} starts (`docker ps --filter label=…`). */
export const FAKE_SANDBOX_LABEL = 'hud.fake-vendor.sandbox';

/**
 * Sandboxes that are real containers on the local engine (the `docker` CLI): `docker run --detach` of the
 * sandbox's image (its CMD serves the environment), files through `docker exec -i … cat`, commands through
 * `docker exec`, ports through the container's bridge-network address. Every container carries
 * {@link FAKE_SANDBOX_LABEL} and the sandbox's labels.
 */
export class DockerBackend implements FakeSandboxBackend {
  /** Ids of the containers created so far. */
  readonly containers: string[] = [];

  async create(spec: {
    id: string;
    image: string;
    env: Readonly<Record<string, string>>;
    labels: Readonly<Record<string, string>>;
    entrypoint?: readonly string[];
  }): Promise<FakeSandbox> {
    const args = ['run', '--detach', '--label', `${FAKE_SANDBOX_LABEL}=${spec.id}`];
    for (const [key, value] of Object.entries(spec.labels)) args.push('--label', `${key}=${value}`);
    for (const [key, value] of Object.entries(spec.env)) args.push('--env', `${key}=${value}`);
    const [entry, ...rest] = spec.entrypoint ?? [];
    if (entry !== undefined) args.push('--entrypoint', entry);
    const { stdout } = await run('docker', [...args, spec.image, ...rest]);
    const container = stdout.trim();
    this.containers.push(container);
    const inspected = await run('docker', [
      'inspect',
      '--format',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
      container,
    ]);
    const address = inspected.stdout.trim();
    const children = new Set<ReturnType<typeof spawn>>();
    let removal: Promise<void> | undefined;
    return {
      proxiesHttp: true,
      writeFile: (path, data) =>
        new Promise((resolve, reject) => {
          const dir = path.slice(0, path.lastIndexOf('/')) || '/';
          const child = spawn('docker', [
            'exec',
            '-i',
            container,
            'sh',
            '-c',
            'mkdir -p "$1" && cat > "$2"',
            'sh',
            dir,
            path,
          ]);
          child.on('error', reject);
          child.on('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`writing ${path}: exit ${code}`)),
          );
          child.stdin.end(data);
        }),
      exec: (argv, options) => {
        const envArgs = Object.entries(options.env ?? {}).flatMap(([k, v]) => [
          '--env',
          `${k}=${v}`,
        ]);
        const child = spawn('docker', ['exec', ...envArgs, container, ...argv]);
        children.add(child);
        child.stdout.on('data', (chunk: Buffer) => options.onOutput?.('stdout', chunk));
        child.stderr.on('data', (chunk: Buffer) => options.onOutput?.('stderr', chunk));
        const exited = new Promise<number>((resolve) => {
          child.on('close', (code) => {
            children.delete(child);
            resolve(code ?? 137);
          });
          child.on('error', () => resolve(127));
        });
        const process: FakeProcess = { pid: child.pid ?? 0, exited, kill: () => child.kill() };
        return process;
      },
      connect: (port): Promise<Socket> =>
        new Promise((resolve, reject) => {
          const socket = connect({ host: address, port });
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        }),
      remove: () => {
        removal ??= (async () => {
          for (const child of children) child.kill();
          await run('docker', ['rm', '--force', container]).catch(() => {});
        })();
        return removal;
      },
    };
  }
}
