/**
 * One `taskset.run` through the API, in its own process (forked by the eval benches with an IPC channel,
 * see {@link runApi}): `count` rows of examples/letter-count, the `oracle` agent, and
 *
 * - `--runtime local`: `LocalRuntime(<letter-count env.ts>, {prewarm})`, prewarm as the CLI sets it
 *   (`max(1, min(maxConcurrent, rows, 8))`); a fresh child process per rollout;
 * - `--runtime inprocess`: `InProcessRuntime(env)` of the letter-count env imported here; also
 *   `--runtime raw`: no scheduler, only start+grade cycles (`HudClient` or raw lines, see below) against
 *   one `bind` of the same env, the in-process baseline.
 *
 * `--store <dir>` records the job in a `JobStore` there (the CLI's default), `--store none` keeps it in
 * memory. `--root <repo>` imports every package from another checkout (built), for A/B runs.
 * Reports wall time, per-run timings, this process's CPU and its children's CPU.
 *
 *   node bench/lib/eval-api-child.ts --runtime local --rows 100 --concurrency 4 --store /tmp/x [--root /repo]
 *     [--prewarm N] [--exec-argv '<flags>'] [--max-booting N|Infinity]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { childrenCpuMs, percentile, REPO, words } from './eval-common.ts';

/** What the child reports. */
export interface ApiResult {
  runtime: string;
  rows: number;
  /** taskset.run from call to return (the provider is created before and closed after). */
  wallMs: number;
  rolloutsPerSecond: number;
  /** Per run (empty for `raw`). */
  total: number[];
  /** provisioning + starting + agent + grading: lease requested → graded (no cleanup). */
  graded: number[];
  provisioning: number[];
  starting: number[];
  cleanup: number[];
  errors: number;
  /** CPU of this process during the run (every thread: main, thread pool, GC), ms. */
  cpuMs: number;
  /** CPU of this process's main thread (the event loop) during the run, ms. */
  mainCpuMs: number;
  /** CPU of waited-for children during the run (the local runtime's environment processes), ms. */
  childCpuMs: number;
  /** Local runtime: children spawned. */
  spawned?: number;
}

function option(name: string, fallback?: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : process.argv[index + 1];
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

// biome-ignore lint/suspicious/noExplicitAny: the packages are imported by path from a checkout chosen at run time
type Module = any;

async function main(): Promise<ApiResult> {
  const root = path.resolve(option('root', REPO));
  const runtime = option('runtime');
  const rows = Number(option('rows'));
  const concurrency = Number(option('concurrency', '4'));
  const storeDir = option('store', 'none');
  const load = (file: string): Promise<Module> => import(pathToFileURL(path.join(root, file)).href);
  const evalPkg = await load('packages/eval/dist/index.js');
  const runtimes = await load('packages/runtimes-local/dist/index.js');
  const agents = await load('packages/agents/dist/index.js');
  const envFile = path.join(root, 'examples/letter-count/env.ts');
  const letterCount = await load('examples/letter-count/env.ts');
  const tasks = words(rows).map((word, index) =>
    letterCount.count({ word, letter: 'abnrs'[index % 5] as string }),
  );
  const taskset = new evalPkg.Taskset('letter-count-bench', tasks);

  if (runtime === 'raw') return raw(root, letterCount.env, rows, concurrency);

  const prewarm = Number(option('prewarm', String(Math.max(1, Math.min(concurrency, rows, 8)))));
  const execArgv = option('exec-argv', '').split(' ').filter(Boolean);
  // `--max-booting N|Infinity`: the local runtime's boot bound (default: the runtime's own).
  const maxBooting = option('max-booting', '');
  const provider =
    runtime === 'local'
      ? runtimes.LocalRuntime(envFile, {
          prewarm,
          execArgv,
          ...(maxBooting ? { maxBooting: Number(maxBooting) } : {}),
        })
      : runtimes.InProcessRuntime(letterCount.env);
  const store = storeDir === 'none' ? undefined : new evalPkg.JobStore(storeDir);
  const cpuBefore = process.cpuUsage();
  const mainBefore = process.threadCpuUsage();
  const childBefore = childrenCpuMs();
  const started = performance.now();
  const job = await taskset.run({
    agent: agents.createAgent('oracle'),
    provider,
    maxConcurrent: concurrency,
    store,
    keepTraces: false,
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const main = process.threadCpuUsage(mainBefore);
  const spawned = runtime === 'local' ? provider.spawnCount : undefined;
  await provider.close();
  const childCpuMs = childrenCpuMs() - childBefore;
  const runs: { timings: Record<string, number>; isError: boolean }[] = job.runs;
  const pick = (key: string) => runs.map((run) => run.timings[key] as number);
  return {
    runtime,
    rows,
    wallMs,
    rolloutsPerSecond: rows / (wallMs / 1000),
    total: pick('total'),
    graded: runs.map(
      ({ timings: t }) =>
        (t.provisioning as number) +
        (t.starting as number) +
        (t.agent as number) +
        (t.grading as number),
    ),
    provisioning: pick('provisioning'),
    starting: pick('starting'),
    cleanup: pick('cleanup'),
    errors: runs.filter((run) => run.isError).length,
    cpuMs: (cpu.user + cpu.system) / 1000,
    mainCpuMs: (main.user + main.system) / 1000,
    childCpuMs,
    spawned,
  };
}

/**
 * The in-process baseline: one `bind` of the env, `concurrency` HudClient connections opened before the
 * clock, each running start+grade cycles back to back (the answer computed here), `rows` cycles in all.
 * No scheduler, no per-rollout port, no store, no agent.
 */
async function raw(
  root: string,
  env: Module,
  rows: number,
  concurrency: number,
): Promise<ApiResult> {
  const load = (file: string): Promise<Module> => import(pathToFileURL(path.join(root, file)).href);
  const { bind } = await load('packages/environment/dist/index.js');
  const { HudClient } = await load('packages/protocol/dist/index.js');
  await env.start();
  const server = await bind(env, { host: '127.0.0.1', port: 0 });
  const clients = await Promise.all(
    Array.from({ length: concurrency }, () => HudClient.connect(server.url)),
  );
  const list = words(rows);
  let next = 0;
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const mainBefore = process.threadCpuUsage();
  const started = performance.now();
  await Promise.all(
    clients.map(async (client: Module) => {
      while (next < rows) {
        const index = next++;
        const word = list[index] as string;
        const letter = 'abnrs'[index % 5] as string;
        await client.startTask('count', { word, letter });
        const grade = await client.grade({
          answer: String([...word].filter((c) => c === letter).length),
        });
        if (grade.score !== 1) errors++;
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const main = process.threadCpuUsage(mainBefore);
  await Promise.all(clients.map((client: Module) => client.close()));
  await server.close();
  await env.stop();
  return {
    runtime: 'raw',
    rows,
    wallMs,
    rolloutsPerSecond: rows / (wallMs / 1000),
    total: [],
    graded: [],
    provisioning: [],
    starting: [],
    cleanup: [],
    errors,
    cpuMs: (cpu.user + cpu.system) / 1000,
    mainCpuMs: (main.user + main.system) / 1000,
    childCpuMs: 0,
  };
}

const result = await main();
if (process.send) process.send({ type: 'result', result }, () => process.exit(0));
else {
  const p50 = (values: number[]) => (values.length ? percentile(values, 50) : undefined);
  const { total, graded, provisioning, starting, cleanup, ...rest } = result;
  console.log(
    JSON.stringify({
      ...rest,
      p50: {
        total: p50(total),
        graded: p50(graded),
        provisioning: p50(provisioning),
        starting: p50(starting),
        cleanup: p50(cleanup),
      },
    }),
  );
  process.exit(0);
}
