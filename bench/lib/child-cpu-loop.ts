/**
 * A/B spawn loop for the CPU of local-runtime children (issue 14, figure 1's child CPU):
 *
 *   node bench/lib/child-cpu-loop.ts --variants <file.json> [--rounds 10] [--block 3] [--rollout]
 *
 * `<file.json>` is a list of variants `{name, command?, args, env?, cwd?, serve?}`: `command` defaults to
 * this Node, `serve` (default true) means the child announces `HUD_SERVE_PORT=<port>` on stdout and exits
 * when its stdin closes (serve-child.js); otherwise the child is expected to exit on its own (a bare
 * `node -e ''`). Children run one at a time, the variants interleaved (a block of `--block` children of
 * each variant per round), so load from other work hits every variant alike. With `--rollout` each served
 * child first answers one letter-count rollout on a fresh connection (`hello`, `tasks.start` of `count`,
 * `tasks.grade`), as in `hud eval … oracle`, and the p50 of each step (connect, `hello`, `tasks.start`,
 * `tasks.grade`, ms from the previous one) is printed: what a prewarmed child adds between its lease and
 * the grade.
 *
 * CPU per child: the growth of this process's `cutime + cstime` (`/proc/self/stat`, reaped children) over a
 * block, divided by the block's children. Printed per variant: the median and min/max of the block means,
 * in ms, the spawn → port p50, and against the reference variant (`--reference <name>`, default the first
 * serving one) the median of the per-round differences of block means (each round's blocks ran minutes
 * apart at most, so the load they saw was alike).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

interface Variant {
  name: string;
  command?: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  serve?: boolean;
}

const TICKS_PER_SECOND = 100;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** Reaped children's user + system CPU so far, ms. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is index 0, so cutime (field 16) is index 13 and cstime index 14.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
}

const line = (socket: net.Socket) =>
  new Promise<string>((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      socket.off('data', onData);
      resolve(buffer.slice(0, newline));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });

/** The steps of a rollout, ms each (from the previous step's end). */
type Steps = Record<'connect' | 'hello' | 'start' | 'grade', number>;

async function rollout(port: number): Promise<Steps> {
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const elapsed = now - mark;
    mark = now;
    return elapsed;
  };
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connect = lap();
  const ask = async (id: number, method: string, params: object, expect: string) => {
    const reply = line(socket);
    socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    const text = await reply;
    if (!text.includes(expect)) throw new Error(`${method} replied ${text}`);
  };
  await ask(1, 'hello', {}, '"result"');
  const hello = lap();
  await ask(2, 'tasks.start', { id: 'count', args: { word: 'banana', letter: 'a' } }, '"prompt"');
  const start = lap();
  await ask(3, 'tasks.grade', { answer: '3' }, '"score":1.0');
  const grade = lap();
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
  return { connect, hello, start, grade };
}

/** Runs one child to its exit; resolves with spawn → port ms (or spawn → exit for non-serving ones). */
async function runChild(
  variant: Variant,
  withRollout: boolean,
  steps: Steps[] = [],
): Promise<number> {
  const begun = performance.now();
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const child = spawn(variant.command ?? process.execPath, variant.args, {
    cwd: variant.cwd,
    env: { ...inherited, ...variant.env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (variant.serve === false) {
    child.stdin.end();
    const code = await exited;
    if (code !== 0) throw new Error(`${variant.name} exited ${code}`);
    return performance.now() - begun;
  }
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /HUD_SERVE_PORT=(\d+)\n/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`${variant.name} exited ${code} before its port`)));
  });
  const ready = performance.now() - begun;
  if (withRollout) steps.push(await rollout(port));
  child.stdin.end();
  await exited;
  return ready;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const at = (index: number) => sorted[index] ?? Number.NaN;
  return sorted.length % 2 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
};

const file = option('--variants');
if (!file)
  throw new Error(
    'usage: child-cpu-loop.ts --variants <file.json> [--rounds N] [--block N] [--rollout]',
  );
const variants = JSON.parse(readFileSync(file, 'utf8')) as Variant[];
const rounds = Number(option('--rounds') ?? 10);
const block = Number(option('--block') ?? 3);
const withRollout = process.argv.includes('--rollout');
const reference =
  option('--reference') ??
  variants.find((variant) => variant.serve !== false)?.name ??
  variants[0]?.name;
const cpu = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
const ready = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
const steps = new Map<string, Steps[]>(variants.map((variant) => [variant.name, []]));

// One warm-up child each (compile caches, page cache).
for (const variant of variants) await runChild(variant, withRollout);
for (let round = 0; round < rounds; round++) {
  // Alternate the order every round, so no variant always follows the same one.
  const order = round % 2 ? [...variants].reverse() : variants;
  for (const variant of order) {
    const before = childrenCpuMs();
    for (let index = 0; index < block; index++) {
      ready.get(variant.name)?.push(await runChild(variant, withRollout, steps.get(variant.name)));
    }
    cpu.get(variant.name)?.push((childrenCpuMs() - before) / block);
  }
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `${rounds} rounds × ${block} children per variant${withRollout ? ', one rollout each' : ''}; load ${load}`,
);
for (const variant of variants) {
  const blocks = cpu.get(variant.name) ?? [];
  const mean = blocks.reduce((sum, value) => sum + value, 0) / blocks.length;
  console.log(
    `${variant.name.padEnd(28)} CPU/child median ${median(blocks).toFixed(1)} ms ` +
      `(mean ${mean.toFixed(1)}, min ${Math.min(...blocks).toFixed(1)}, max ${Math.max(...blocks).toFixed(1)}); ` +
      `ready p50 ${median(ready.get(variant.name) ?? []).toFixed(0)} ms`,
  );
  const taken = steps.get(variant.name) ?? [];
  if (taken.length > 0) {
    const p50 = (key: keyof Steps) => median(taken.map((step) => step[key])).toFixed(1);
    console.log(
      `${''.padEnd(28)} rollout p50: connect ${p50('connect')}, hello ${p50('hello')}, ` +
        `tasks.start ${p50('start')}, tasks.grade ${p50('grade')} ms`,
    );
  }
  const base = cpu.get(reference ?? '') ?? [];
  if (variant.name === reference || base.length !== blocks.length) continue;
  const differences = blocks.map((value, index) => value - (base[index] ?? 0));
  const better = differences.filter((difference) => difference < 0).length;
  console.log(
    `${''.padEnd(28)} vs ${reference}: median difference ${median(differences).toFixed(1)} ms ` +
      `(lower in ${better} of ${differences.length} rounds)`,
  );
}
