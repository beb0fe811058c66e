/**
 * `hud` start-up: wall time of `hud --version` and `hud --help` (this checkout's packages/cli/bin/hud.js,
 * spawned with `node`) against the same-run baseline `node -e ''`, each from spawn to exit with stdout
 * discarded. A run spawns the three commands in turns (`--spawns N` times each, default 10) so load swings hit
 * them alike; its figure is the median spawn of each, and the ratio is ours / baseline. The table gives the
 * median over `--runs` runs (default 3). Target: ≤ 1.5× `node -e ''`.
 *
 * Peak RSS (the kernel's `ru_maxrss`, via GNU `/usr/bin/time -f %M` in separate spawns so the wrapper does
 * not count in the wall times; "—" where it is missing) is printed for each as well.
 *
 * The CLI enables Node's module compile cache (under the OS temp directory), so a warm-up spawn of each
 * command goes first: the runs measure the warm case, as a user's second command sees it.
 * `--against <checkout>` adds rows for another built checkout's CLI (A/B in the same run).
 *
 *   node bench/cli-startup.bench.ts [--runs 3] [--spawns 10] [--against /path/to/other/checkout]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { againstCheckout, HUD_BIN } from './lib/eval-common.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const spawnsIndex = process.argv.indexOf('--spawns');
const SPAWNS = spawnsIndex === -1 ? 10 : Number(process.argv[spawnsIndex + 1]);
if (!Number.isInteger(SPAWNS) || SPAWNS < 1) throw new Error('--spawns must be a positive integer');
const AGAINST = againstCheckout();
const TIME = '/usr/bin/time';

/** One command line measured: a label and the arguments to `node`. */
interface Subject {
  label: string;
  args: readonly string[];
}

const binOf = (root: string | undefined) =>
  root ? path.join(root, 'packages/cli/bin/hud.js') : HUD_BIN;
const BASELINE: Subject = { label: "node -e ''", args: ['-e', ''] };
const subjects: Subject[] = [BASELINE];
for (const [suffix, root] of [
  ['', undefined],
  [' (against)', AGAINST],
] as const) {
  if (suffix && !root) continue;
  subjects.push({ label: `hud --version${suffix}`, args: [binOf(root), '--version'] });
  subjects.push({ label: `hud --help${suffix}`, args: [binOf(root), '--help'] });
}

/** Spawn → exit of `node <args>`, ms. @throws Error when it exits non-zero. */
function wallMs(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`node ${args.join(' ')} exited ${code}`));
    });
  });
}

/** Peak RSS of `node <args>`, bytes, from GNU time; undefined without it. */
function peakRss(args: readonly string[]): number | undefined {
  if (!existsSync(TIME)) return undefined;
  const result = spawnSync(TIME, ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
  const kilobytes = Number(result.stderr.trim().split('\n').pop());
  return Number.isFinite(kilobytes) && kilobytes > 0 ? kilobytes * 1024 : undefined;
}

await stats.printContext(
  `hud CLI start-up: --version and --help vs node -e '' (spawn → exit, ${SPAWNS} spawns each per run, in turns)`,
);
for (const subject of subjects) await wallMs(subject.args); // warm-up: compile cache, page cache

/** Per subject label: the median spawn of each run, ms. */
const perRun = new Map<string, number[]>(subjects.map((subject) => [subject.label, []]));
/** Per subject label: each run's ratio to that run's baseline. */
const ratios = new Map<string, number[]>(subjects.map((subject) => [subject.label, []]));
for (let run = 0; run < RUNS; run++) {
  const samples = new Map<string, number[]>(subjects.map((subject) => [subject.label, []]));
  for (let turn = 0; turn < SPAWNS; turn++) {
    const order = turn % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order) samples.get(subject.label)?.push(await wallMs(subject.args));
  }
  const baseline = stats.median(samples.get(BASELINE.label) ?? []);
  const line: string[] = [];
  for (const subject of subjects) {
    const ms = stats.median(samples.get(subject.label) ?? []);
    perRun.get(subject.label)?.push(ms);
    ratios.get(subject.label)?.push(ms / baseline);
    line.push(`${subject.label} ${stats.formatNumber(ms, 1)} ms`);
  }
  console.log(`run ${run + 1}: ${line.join(', ')}`);
}

const MB = 1024 * 1024;
const table: string[][] = [
  [`median of ${RUNS} runs`, 'wall, ms', "ratio to node -e ''", 'target', 'peak RSS, MB'],
];
for (const subject of subjects) {
  const rss = peakRss(subject.args);
  const isBaseline = subject === BASELINE;
  table.push([
    subject.label,
    stats.formatNumber(stats.median(perRun.get(subject.label) ?? []), 1),
    isBaseline ? '(baseline)' : stats.formatRatio(stats.median(ratios.get(subject.label) ?? [])),
    isBaseline ? '' : '≤ 1.50×',
    rss === undefined ? '—' : stats.formatNumber(rss / MB, 1),
  ]);
}
stats.printTable(table);
if (AGAINST) console.log(`against: ${AGAINST}`);
