/**
 * Figure 3 — server memory per parked session: 1,000 connections each send `hello` + `tasks.start`
 * (the count task) and disconnect without `bye`, so each leaves one parked session (spec §2.3).
 * kB per session = (RSS after − RSS before) / 1,000, both taken after a forced memory-reducing full GC
 * (the server runs with --expose-gc; the GC is triggered over the bench IPC channel, lib/child-ipc.ts).
 * The V8-heap-only figure is printed too.
 * A fresh server per run: before the measured batch, warm-up batches of the same connections that
 * `bye` instead (nothing parked) grow the heap and malloc arenas to their steady size — without them
 * the RSS delta is mostly connection churn (~5 kB per connection on the first 2,000 connections).
 * RSS moves in whole pages and heap pages, so the V8 heap delta is the finer figure.
 * Target: ≤ 2 kB per session (hud-python 0.6.16: 2.2 kB). Also reports both servers' idle RSS.
 *
 *   node bench/parked-sessions.bench.ts [--runs 3]
 */
import { Frames, LineClient } from './lib/line-client.ts';
import { type ServerChild, startServer } from './lib/server-child.ts';
import { formatNumber, median, printContext, printTable, runCount } from './lib/stats.ts';

const RUNS = runCount();
const SESSIONS = 1_000;
const CONCURRENCY = 50;
const WARMUP_BATCHES = 3;

/** Opens `count` connections (CONCURRENCY at a time), each hello + tasks.start, then bye or disconnect. */
async function sessions(port: number, count: number, park: boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const client = await LineClient.connect(port);
      await client.request(Frames.hello(1));
      const started = await client.request(Frames.start(2));
      if (!started.includes('"prompt"')) throw new Error(`tasks.start replied ${started}`);
      if (!park) await client.request('{"jsonrpc":"2.0","id":3,"method":"bye"}\n');
      await client.close();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Waits until the server has seen every connection close (and parked their sessions). */
async function settled(server: ServerChild, parked: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { extra } = await server.stats();
    if (extra.connections === 0 && extra.parked === parked) return;
    if (Date.now() > deadline) throw new Error(`server never settled: ${JSON.stringify(extra)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Run {
  idleRss: number;
  rssPerSession: number;
  heapPerSession: number;
}

async function run(): Promise<Run> {
  const server = await startServer('hud.ts', ['conformance'], { exposeGc: true });
  try {
    const port = server.ports.control as number;
    const idle = await server.stats({ gc: true });
    for (let batch = 0; batch < WARMUP_BATCHES; batch++) await sessions(port, SESSIONS, false);
    await settled(server, 0);
    const before = await server.stats({ gc: true });
    await sessions(port, SESSIONS, true);
    await settled(server, SESSIONS);
    const after = await server.stats({ gc: true });
    if (!after.collected) throw new Error('the server could not force a GC (--expose-gc missing)');
    return {
      idleRss: idle.rss,
      rssPerSession: (after.rss - before.rss) / SESSIONS,
      heapPerSession: (after.heapUsed - before.heapUsed) / SESSIONS,
    };
  } finally {
    await server.stop();
  }
}

await printContext(`Figure 3: memory of ${formatNumber(SESSIONS)} parked sessions`);
const minimal = await startServer('minimal.ts', [], { exposeGc: true });
const minimalIdle = (await minimal.stats({ gc: true })).rss;
await minimal.stop();
const runs: Run[] = [];
for (let index = 0; index < RUNS; index++) {
  const result = await run();
  runs.push(result);
  console.log(
    `run ${index + 1}: ${formatNumber(result.rssPerSession / 1024, 2)} kB RSS / session, ${formatNumber(result.heapPerSession / 1024, 2)} kB heap / session, idle RSS ${formatNumber(result.idleRss / 1024)} kB`,
  );
}
const kB = (pick: (run: Run) => number, digits = 2) =>
  formatNumber(median(runs.map(pick)) / 1024, digits);
printTable([
  [`median of ${RUNS} runs`, 'ours', 'minimal', 'target', 'hud-python'],
  ['RSS per parked session (kB)', kB((r) => r.rssPerSession), '—', '≤ 2', '2.2'],
  ['V8 heap per parked session (kB)', kB((r) => r.heapPerSession), '—', '', ''],
  ['idle RSS after GC (kB)', kB((r) => r.idleRss, 0), formatNumber(minimalIdle / 1024), '', ''],
]);
