// Test helper: a real OCI registry (Debian's `docker-registry`, distribution 2.8) on 127.0.0.1.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The registry binary of Debian's `docker-registry` package. */
export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** A running registry: `address` is `127.0.0.1:<port>` (the engine pushes to loopback without TLS). */
export interface TestRegistry extends AsyncDisposable {
  address: string;
  /** `GET /v2/_catalog` → the repository names. */
  catalog(): Promise<string[]>;
  /** `GET /v2/<name>/tags/list` → the tags ([] for an unknown repository). */
  tags(name: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Why registry tests skip ('' when the binary is there). */
export function registrySkip(): string {
  return existsSync(REGISTRY_BIN)
    ? ''
    : `${REGISTRY_BIN} is missing (apt-get install docker-registry)`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a registry with a temporary config and storage dir; waits until `/v2/` answers. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hud-registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited:\n${stderr}`);
    const ok = await fetch(`${base}/v2/`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (attempt > 200) {
      await stop();
      throw new Error(`docker-registry did not answer on ${base}:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    address: `127.0.0.1:${port}`,
    async catalog() {
      const body = (await (await fetch(`${base}/v2/_catalog`)).json()) as {
        repositories?: string[];
      };
      return body.repositories ?? [];
    },
    async tags(name) {
      const response = await fetch(`${base}/v2/${name}/tags/list`);
      if (!response.ok) return [];
      return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
