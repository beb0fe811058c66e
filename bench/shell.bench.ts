/**
 * Shell workspace (ssh/2) through `tunnel.open` vs a direct SSH connection to the same workspace. The
 * workspace is served (`serve(env)` with `env.workspace()`) by a child process of this script, so the SSH
 * server never shares an event loop with the clients; both clients are `SshClient`s of `@hud/protocol`:
 * - tunnel: `HudClient.connect(control port)` then `client.open('shell')` (SSH over a tunnel.open stream
 *   through the client's loopback forwarder);
 * - direct: `connectSsh(capability)` to the SSH server's own port.
 * Figures: `exec true` round trip (p50/p99 over ROUND_TRIPS commands per path, the paths alternating one
 * command at a time so they share the machine's load) and 64 MiB of output (`head -c 64M /dev/zero`),
 * MiB/s per path and tunnel/direct ratio. Printed, never asserted.
 *
 *   node bench/shell.bench.ts [--runs 3] [--isolation bwrap|none]
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CapabilityRecord, Environment, type Isolation, serve } from '@hud/environment';
import { connectSsh, HudClient, type SshClient } from '@hud/protocol';
import * as stats from './lib/stats.ts';

const ROUND_TRIPS = 100;
const BULK_BYTES = 64 * 1024 * 1024;

interface Served {
  control: string;
  capability: CapabilityRecord;
}

function isolationArg(): Isolation | undefined {
  const index = process.argv.indexOf('--isolation');
  return index === -1 ? undefined : (process.argv[index + 1] as Isolation);
}

/** Child mode: serve a workspace and report its control URL and capability over IPC. */
async function serveWorkspace(): Promise<void> {
  // An empty HOME keeps the host's dotfiles out of unisolated login shells (bwrap sets its own).
  const home = await mkdtemp(path.join(tmpdir(), 'shell-bench-home-'));
  const env = new Environment({ name: 'shell-bench' });
  const workspace = env.workspace({ isolation: isolationArg(), env: { HOME: home } });
  const server = await serve(env);
  process.send?.({ control: server.url, capability: workspace.capability } satisfies Served);
  process.on('disconnect', async () => {
    await server.close();
    await rm(home, { recursive: true, force: true });
    process.exit(0);
  });
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}

async function timed(shell: SshClient, command: string, maxOutputBytes?: number): Promise<number> {
  const start = process.hrtime.bigint();
  const result = await shell.exec(command, { maxOutputBytes });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.exitCode !== 0)
    throw new Error(`${command} exited ${result.exitCode}: ${result.stderr}`);
  if (maxOutputBytes !== undefined && result.stdout.length !== BULK_BYTES) {
    throw new Error(`expected ${BULK_BYTES} bytes of output, got ${result.stdout.length}`);
  }
  return elapsed;
}

async function main(): Promise<void> {
  const runs = stats.runCount();
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const served = await new Promise<Served>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Served));
    child.once('exit', (code) => reject(new Error(`workspace server exited (${code})`)));
  });
  const client = await HudClient.connect(served.control, { heartbeatIntervalMs: 0 });
  const paths: Record<'tunnel' | 'direct', SshClient> = {
    tunnel: await client.open<SshClient>('shell'),
    direct: await connectSsh(served.capability),
  };
  await stats.printContext(
    `shell workspace: ssh/2 through tunnel.open vs direct (isolation: ${String(served.capability.params?.isolation)})`,
  );
  try {
    // Warm-up: first connections, page cache, JIT.
    for (const shell of Object.values(paths))
      for (let i = 0; i < 10; i++) await timed(shell, 'true');

    const rows: string[][] = [['run', 'path', 'exec true p50 ms', 'p99 ms', '64 MiB output MiB/s']];
    const ratios = { p50: [] as number[], p99: [] as number[], bulk: [] as number[] };
    for (let run = 1; run <= runs; run++) {
      const samples = { tunnel: [] as number[], direct: [] as number[] };
      for (let i = 0; i < ROUND_TRIPS; i++) {
        for (const name of i % 2 === 0
          ? (['tunnel', 'direct'] as const)
          : (['direct', 'tunnel'] as const)) {
          samples[name].push(await timed(paths[name], 'true'));
        }
      }
      const bulk = { tunnel: 0, direct: 0 };
      for (const name of run % 2 === 1
        ? (['tunnel', 'direct'] as const)
        : (['direct', 'tunnel'] as const)) {
        const ms = await timed(paths[name], `head -c ${BULK_BYTES} /dev/zero`, BULK_BYTES);
        bulk[name] = BULK_BYTES / 1024 / 1024 / (ms / 1000);
      }
      for (const name of ['tunnel', 'direct'] as const) {
        rows.push([
          String(run),
          name,
          stats.formatNumber(percentile(samples[name], 0.5), 2),
          stats.formatNumber(percentile(samples[name], 0.99), 2),
          stats.formatNumber(bulk[name], 1),
        ]);
      }
      ratios.p50.push(percentile(samples.tunnel, 0.5) / percentile(samples.direct, 0.5));
      ratios.p99.push(percentile(samples.tunnel, 0.99) / percentile(samples.direct, 0.99));
      ratios.bulk.push(bulk.tunnel / bulk.direct);
    }
    stats.printTable(rows);
    console.log(
      `\nmedian of ${runs} runs, tunnel/direct: exec true p50 ${stats.formatRatio(stats.median(ratios.p50))}, p99 ${stats.formatRatio(stats.median(ratios.p99))} (time, lower is better); 64 MiB output ${stats.formatRatio(stats.median(ratios.bulk))} (throughput)`,
    );
  } finally {
    await Promise.all(Object.values(paths).map((shell) => shell.close()));
    await client.close();
    child.disconnect();
  }
}

if (process.argv.includes('--serve')) await serveWorkspace();
else await main();
