/**
 * `hud eval` figure 3 — memory of the CLI process over a 10,000-row JSONL taskset (letter-count `count`
 * rows) against a `tcp://` runtime: a `hud serve` of examples/letter-count started here, `oracle`,
 * `--max-concurrent 30` (the CLI default), the job recorded in a JobStore (the default).
 *
 * The CLI's `/proc/<pid>/status` is sampled every 10 ms: VmRSS, and VmHWM (the kernel's peak RSS, so a
 * peak between samples still counts). Figures:
 * - **growth = peak RSS − RSS after load**: the RSS when the CLI prints `hud eval: 10000 tasks …` (the
 *   taskset is parsed, nothing has run yet) against the peak over the whole run. Target < 50 MB.
 * - **peak − idle baseline**: the idle baseline is the peak RSS of the same command over a 1-row taskset
 *   in the same run (CLI loaded, one rollout, summary printed).
 * Also the peak RSS of the 10,000-row run and its rollouts/s.
 *
 * `hud eval` restarts itself in the same process (`process.execve`: the pid sampled here is the one that
 * runs the job) with V8's young generation capped, and lowers the old generation's growth factor (see
 * packages/cli/src/launcher.ts). `--cli-node-options '--max-semi-space-size=64'` (the size V8 grows to on
 * its own here) shows the job without the cap; `--against <checkout>` runs another built checkout's CLI
 * in the same run (A/B, e.g. the commit before a change).
 *
 *   node bench/eval-memory.bench.ts [--runs 3] [--rows 10000] [--against /path/to/other/checkout]
 *                                   [--cli-node-options '--max-semi-space-size=64']
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { HUD_BIN, LETTER_COUNT_ENV, makeWorkspace, procMemory, runCli } from './lib/eval-common.ts';
import { letterCountRows } from './lib/eval-tasks.ts';
import { formatNumber, median, printContext, printTable, runCount } from './lib/stats.ts';

const RUNS = runCount();
const rowsIndex = process.argv.indexOf('--rows');
const ROWS = rowsIndex === -1 ? 10_000 : Number(process.argv[rowsIndex + 1]);
const againstIndex = process.argv.indexOf('--against');
const AGAINST =
  againstIndex === -1 ? undefined : path.resolve(process.argv[againstIndex + 1] ?? '');
const nodeOptionsIndex = process.argv.indexOf('--cli-node-options');
/** NODE_OPTIONS for the CLI (e.g. `--max-semi-space-size=8`), to see what V8 settings change. */
const CLI_NODE_OPTIONS = nodeOptionsIndex === -1 ? undefined : process.argv[nodeOptionsIndex + 1];
const SAMPLE_MS = 10;
const MB = 1024 * 1024;

/** Starts `hud serve <letter-count env.ts> --port 0` and resolves with its port. */
async function startServer(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [HUD_BIN, 'serve', LETTER_COUNT_ENV, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const match = text.match(/HUD_SERVE_PORT=(\d+)/);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`hud serve exited (${code}) before its port`)));
  });
  return { port, child };
}

interface MemoryRun {
  /** VmRSS when the taskset was loaded, bytes. */
  loaded: number;
  /** VmHWM at the last sample, bytes. */
  peak: number;
  wallMs: number;
  rolloutsPerSecond: number;
}

async function measure(
  tasks: string,
  rows: number,
  port: number,
  root?: string,
): Promise<MemoryRun> {
  let loaded = Number.NaN;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  let pid: number | undefined;
  const sample = () => {
    const memory = pid === undefined ? undefined : procMemory(pid);
    if (memory) peak = Math.max(peak, memory.hwm, memory.rss);
    return memory;
  };
  const run = await runCli(
    [
      'eval',
      tasks,
      'oracle',
      '--all',
      '--runtime',
      `tcp://127.0.0.1:${port}`,
      '--max-concurrent',
      '30',
      '--json',
      '--store',
      path.join(path.dirname(tasks), 'jobs'),
    ],
    {
      cwd: path.dirname(tasks),
      root,
      env: {
        ...process.env,
        NO_COLOR: '1',
        ...(CLI_NODE_OPTIONS ? { NODE_OPTIONS: CLI_NODE_OPTIONS } : {}),
      },
      onSpawn(child) {
        pid = child.pid;
        timer = setInterval(sample, SAMPLE_MS);
      },
      onLoaded() {
        loaded = sample()?.rss ?? Number.NaN;
      },
    },
  );
  clearInterval(timer);
  const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { verdicts?: number };
  if (run.code !== 0 || summary.verdicts !== rows) {
    throw new Error(`hud eval failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  }
  return { loaded, peak, wallMs: run.wallMs, rolloutsPerSecond: rows / (run.wallMs / 1000) };
}

await printContext(
  `hud eval figure 3: CLI memory over a ${formatNumber(ROWS)}-row JSONL taskset, tcp:// runtime (hud serve), oracle, max-concurrent 30`,
);
const workspace = makeWorkspace('hud-eval-memory-');
const rows = letterCountRows(ROWS);
const big = workspace.writeTasks(rows, 'tasks.jsonl');
const one = workspace.writeTasks(rows.slice(0, 1), 'one.jsonl');
const server = await startServer();
try {
  type Kind = 'ours' | 'against';
  const kinds: Kind[] = AGAINST ? ['ours', 'against'] : ['ours'];
  const runs: Record<Kind, { big: MemoryRun; idle: MemoryRun }>[] = [];
  await measure(one, 1, server.port); // warm-up: compile caches
  for (let run = 0; run < RUNS; run++) {
    const result = {} as Record<Kind, { big: MemoryRun; idle: MemoryRun }>;
    for (const kind of run % 2 === 0 ? kinds : [...kinds].reverse()) {
      const root = kind === 'against' ? AGAINST : undefined;
      const idle = await measure(one, 1, server.port, root);
      result[kind] = { big: await measure(big, ROWS, server.port, root), idle };
    }
    runs.push(result);
    for (const kind of kinds) {
      const { big: b, idle } = result[kind];
      console.log(
        `run ${run + 1}${kind === 'against' ? ' (against)' : ''}: RSS after load ${formatNumber(b.loaded / MB, 1)} MB, peak ${formatNumber(b.peak / MB, 1)} MB (growth ${formatNumber((b.peak - b.loaded) / MB, 1)} MB); 1-row peak ${formatNumber(idle.peak / MB, 1)} MB; ${formatNumber(b.rolloutsPerSecond)} rollouts/s`,
      );
    }
  }
  const med = (kind: Kind, pick: (r: { big: MemoryRun; idle: MemoryRun }) => number) =>
    formatNumber(median(runs.map((r) => pick(r[kind]))) / MB, 1);
  const table: string[][] = [
    [`median of ${RUNS} runs`, 'ours', 'baseline (same run)', 'target', 'hud-python'],
    [
      `3. RSS growth over ${formatNumber(ROWS)} rows (peak − after load), MB`,
      med('ours', (r) => r.big.peak - r.big.loaded),
      `${med('ours', (r) => r.big.loaded)} MB after load`,
      '< 50',
      '',
    ],
    [
      '3. peak − idle baseline (1-row peak), MB',
      med('ours', (r) => r.big.peak - r.idle.peak),
      `${med('ours', (r) => r.idle.peak)} MB 1-row peak`,
      '',
      '',
    ],
    ['3. peak RSS, MB', med('ours', (r) => r.big.peak), '', '', ''],
    [
      '3. rollouts/s (CLI wall)',
      formatNumber(median(runs.map((r) => r.ours.big.rolloutsPerSecond))),
      '',
      '',
      '',
    ],
  ];
  if (AGAINST) {
    table.push([
      '   growth, against',
      med('against', (r) => r.big.peak - r.big.loaded),
      `${med('against', (r) => r.big.loaded)} MB after load`,
      '',
      '',
    ]);
    table.push([
      '   peak − idle, against',
      med('against', (r) => r.big.peak - r.idle.peak),
      `${med('against', (r) => r.idle.peak)} MB 1-row peak`,
      '',
      '',
    ]);
    table.push([
      '   rollouts/s, against',
      formatNumber(median(runs.map((r) => r.against.big.rolloutsPerSecond))),
      '',
      '',
      '',
    ]);
  }
  printTable(table);
  if (AGAINST) console.log(`against: ${AGAINST}`);
  if (CLI_NODE_OPTIONS) console.log(`CLI NODE_OPTIONS: ${CLI_NODE_OPTIONS}`);
} finally {
  server.child.kill('SIGTERM');
  workspace.remove();
}
