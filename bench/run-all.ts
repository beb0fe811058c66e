/**
 * Runs every benchmark, one after the other, each in its own process (their servers in child
 * processes of their own). Extra arguments (e.g. `--runs 5`) are passed to each.
 *
 *   node bench/run-all.ts        or        pnpm --filter @hud/bench bench
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = [
  'single-connection.bench.ts',
  'wire-fast-client.bench.ts',
  'concurrent-connections.bench.ts',
  'parked-sessions.bench.ts',
  'tunnel.bench.ts',
];

let failed = 0;
for (const bench of BENCHES) {
  const file = fileURLToPath(new URL(bench, import.meta.url));
  const result = spawnSync(process.execPath, [file, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    console.error(`${bench} failed (${result.signal ?? `exit ${result.status}`})`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
