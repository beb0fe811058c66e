/**
 * Hosted rollouts (issue 16): the sample environment deployed to a gateway (SQLite, with a real OCI registry
 * on loopback), its five tasks synced as a taskset, and `hud eval <taskset> oracle --all --group 8 --remote`
 * run by 1, 2 and 3 `hud worker --runtime docker --concurrency 4` processes on this machine; wall time of the
 * CLI (submit → last verdict followed over SSE) → rollouts/s. Baseline in the same run: the same taskset by
 * name run here with the Docker runtime (`hud eval <taskset> oracle --all --group 8 --max-concurrent 4`, the
 * deployed image, one container per rollout). Ratios are hosted / local, median over the runs.
 *
 *   node bench/hosted-rollouts.bench.ts [--runs 3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBin } from '../apps/gateway/src/testing/bin-process.ts';
import { startRegistry } from '../apps/gateway/src/testing/docker-registry.ts';
import { BASE_IMAGE, HUD_BIN, REPO_ROOT, run } from './lib/docker-common.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const GROUP = 8;
const ROLLOUTS = 5 * GROUP;
const WORKER_COUNTS = [1, 2, 3] as const;
const KEY = `hud_bench_${randomBytes(16).toString('hex')}`;

await stats.printContext(
  `Hosted rollouts (${ROLLOUTS} rollouts, oracle; workers at --concurrency 4 × ${RUNS} runs)`,
);
const root = mkdtempSync(path.join(tmpdir(), 'hud-bench-hosted-'));
const home = path.join(root, 'home');
mkdirSync(home);
const registry = await startRegistry();
const gateway = await startBin(
  [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    path.join(root, 'data'),
    '--registry',
    registry.address,
    '--log-level',
    'warn',
  ],
  { HUD_GATEWAY_BOOTSTRAP_KEY: KEY },
);
const vars = { HOME: home, HUD_API_URL: gateway.url, HUD_API_KEY: KEY };

/** `hud …` with the gateway's variables, in `cwd`. */
function hudHere(args: string[], cwd: string) {
  return run(process.execPath, [HUD_BIN, ...args], 1_200_000, {
    cwd,
    env: { ...process.env, ...vars },
  });
}

/** `hud worker --runtime docker --concurrency 4` from an empty folder. */
function startWorker(name: string): ChildProcess {
  const cwd = path.join(root, `worker-${name}`);
  mkdirSync(cwd, { recursive: true });
  return spawn(
    process.execPath,
    [HUD_BIN, 'worker', '--runtime', 'docker', '--concurrency', '4', '--name', name],
    { cwd, env: { ...process.env, ...vars }, stdio: 'ignore' },
  );
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise((resolve) => {
          worker.once('exit', resolve);
          worker.kill('SIGTERM');
        }),
    ),
  );
}

const rates = new Map<string, number[]>();
const record = (label: string, rate: number) =>
  rates.set(label, [...(rates.get(label) ?? []), rate]);
let image = '';
try {
  const envDir = path.join(root, 'sample-env');
  cpSync(path.join(REPO_ROOT, 'apps/sample-env'), envDir, {
    recursive: true,
    filter: (source) => !source.split(path.sep).includes('.hud'),
  });
  const deployed = await hudHere(['deploy', envDir, '--build-arg', `BASE=${BASE_IMAGE}`], root);
  const version = /deployed 'sample-env' (v0\.1\.\d+)/.exec(deployed.stdout)?.[1];
  if (deployed.code !== 0 || !version) throw new Error(`hud deploy failed:\n${deployed.stderr}`);
  image = `${registry.address}/sample-env:${version}`;
  const synced = await hudHere(['sync', 'tasks', 'sample-env-bench', 'tasks.ts', '-y'], envDir);
  if (synced.code !== 0) throw new Error(`hud sync tasks failed:\n${synced.stderr}`);
  const client = path.join(root, 'client');
  mkdirSync(client);

  /** One job; rollouts/s over the CLI's wall time. */
  const job = async (label: string, extra: string[]) => {
    const began = performance.now();
    const ran = await hudHere(
      ['eval', 'sample-env-bench', 'oracle', '--all', '--group', String(GROUP), ...extra],
      client,
    );
    const seconds = (performance.now() - began) / 1000;
    if (ran.code !== 0 || !ran.stdout.includes(`over ${ROLLOUTS} graded runs`))
      throw new Error(`${label} failed (${ran.code}):\n${ran.stdout}\n${ran.stderr.slice(-2000)}`);
    record(label, ROLLOUTS / seconds);
  };

  for (let runIndex = 0; runIndex < RUNS; runIndex++) {
    await job('local --runtime docker', ['--max-concurrent', '4']);
    for (const count of WORKER_COUNTS) {
      const workers = Array.from({ length: count }, (_, index) => startWorker(`w${index + 1}`));
      try {
        await job(`hosted, ${count} worker${count > 1 ? 's' : ''}`, ['--remote']);
      } finally {
        await stopWorkers(workers);
      }
    }
  }
} finally {
  await gateway.stop();
  await registry.stop();
  if (image) await run('docker', ['rmi', '--force', image]);
  rmSync(root, { recursive: true, force: true });
}

const local = rates.get('local --runtime docker') ?? [];
const rows: string[][] = [['job', `rollouts/s, median of ${RUNS}`, 'per run', 'hosted / local']];
for (const [label, values] of rates) {
  const ratios = values.map((value, index) => value / (local[index] as number));
  rows.push([
    label,
    stats.formatNumber(stats.median(values), 2),
    values.map((value) => value.toFixed(2)).join(', '),
    label.startsWith('local') ? '' : stats.formatRatio(stats.median(ratios)),
  ]);
}
stats.printTable(rows);
