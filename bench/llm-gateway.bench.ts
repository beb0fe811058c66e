/**
 * apps/gateway's LLM routes: what the gateway adds to a model call, next to the same call made to the
 * fake upstream directly in the same run.
 *
 * - **latency**: a non-streamed OpenAI Chat Completion (`POST /v1/chat/completions`, ~500-byte answer
 *   with usage), one request at a time: p50/p99 through the gateway and direct; added latency = gateway −
 *   direct. Two gateway rows: the bootstrap key (no limits: one key read per call) and a key with
 *   `requests_per_minute` and `budget_tokens` set (the per-minute window and the spend sum over its
 *   recorded requests on every call). The paths alternate in blocks of 100 requests.
 * - **stream**: a 64 MiB Anthropic Messages event stream (`POST /v1/messages`, `stream: true`:
 *   `content_block_delta` events of ~190 bytes, the usage in `message_delta` at the end) read by the
 *   client: MiB/s through the gateway (which reads every event for the usage) and direct; the paths
 *   alternate stream by stream.
 *
 * Beside the times, the gateway process's CPU (from /proc, 10 ms ticks) per call and per MiB streamed: a
 * figure the load of a shared machine moves less than the times.
 *
 * The servers run in processes of their own: the upstreams in one (see `UPSTREAM`), the gateway is the
 * real `hud-gateway` bin (SQLite in a temp data dir, `synchronous=FULL`: each call's usage row is committed
 * before the answer ends) with its pooled OpenAI and Anthropic keys pointing at them. The client is
 * node:http with keep-alive. Figures are medians over runs. Needs `pnpm --filter @hud/gateway build` (and `@hud/testing`'s dist).
 *
 *   node bench/llm-gateway.bench.ts [--runs 3]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBin } from '../apps/gateway/src/testing/bin-process.ts';
import * as stats from './lib/stats.ts';

const RUNS = stats.runCount();
const REQUESTS = 1_000;
const BLOCK = 100;
const STREAM_MIB = 64;
const STREAMS_PER_RUN = 3;
const KEY = `hud_bench_${randomBytes(16).toString('hex')}`;
const PROVIDER_KEY = 'sk-bench-provider-key';
const GATEWAY_DIR = fileURLToPath(new URL('../apps/gateway/', import.meta.url));

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** One POST; resolves the status and the body's byte count once it is read. */
function post(url: string, key: string, body: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function expectOk(url: string, key: string, body: string): Promise<number> {
  const { status, bytes } = await post(url, key, body);
  if (status !== 200) throw new Error(`POST ${url} answered ${status}`);
  return bytes;
}

const messages = [{ role: 'user', content: 'How many r are in strawberry? Answer with a number.' }];
const CALL = JSON.stringify({ model: 'gpt-5.6', messages });
const STREAM = JSON.stringify({
  model: 'claude-sonnet-4-6',
  max_tokens: 64_000,
  messages,
  stream: true,
});

/**
 * The upstreams, in one child process: `@hud/testing`'s fake provider for the non-streamed calls (OpenAI
 * Chat), and for the stream a node:http server answering Anthropic Messages with a 64 MiB event stream,
 * written in ~64 KiB chunks of whole events as fast as the reader takes them (a fake provider reply is one
 * string, and sending a 64 MiB string costs the upstream more than the stream itself).
 */
const UPSTREAM = `
import http from 'node:http';
import { startFakeProvider } from '@hud/testing';
const event = (type, value) => 'event: ' + type + '\\ndata: ' + JSON.stringify({ type, ...value }) + '\\n\\n';
const delta = event('content_block_delta', { index: 0, delta: { type: 'text_delta',
  text: 'The letters are s, t, r, a, w, b, e, r, r and y; three of them are r. ' } });
const chunk = Buffer.from(delta.repeat(Math.floor(65536 / delta.length)));
const chunks = Math.ceil((${STREAM_MIB} * 1024 * 1024) / chunk.length);
const head = Buffer.from(event('message_start', { message: { id: 'msg_bench', type: 'message', role: 'assistant',
  model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null,
  usage: { input_tokens: 20, output_tokens: 1 } } }) + event('content_block_start', { index: 0,
  content_block: { type: 'text', text: '' } }));
const tail = Buffer.from(event('content_block_stop', { index: 0 }) + event('message_delta', {
  delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: chunks * 100 } })
  + event('message_stop', {}));
const sse = http.createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(head);
  let sent = 0;
  const more = () => {
    while (sent < chunks) {
      sent += 1;
      if (!response.write(chunk)) return response.once('drain', more);
    }
    response.end(tail);
  };
  more();
});
await new Promise((resolve) => sse.listen(0, '127.0.0.1', resolve));
const fake = await startFakeProvider({
  handler: () => ({ text: 'There are three r in strawberry.', usage: { inputTokens: 20, outputTokens: 8 } }) });
const bytes = head.length + chunks * chunk.length + tail.length;
process.stdout.write('listening on ' + fake.url + ' http://127.0.0.1:' + sse.address().port + ' ' + bytes + '\\n');
`;

async function startUpstream(): Promise<{
  url: string;
  sseUrl: string;
  streamBytes: number;
  stop: () => void;
}> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', UPSTREAM], {
    cwd: GATEWAY_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [url, sseUrl, bytes] = await new Promise<[string, string, number]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+) (\S+) (\d+)/.exec(out);
      if (match?.[1] && match[2] && match[3]) resolve([match[1], match[2], Number(match[3])]);
    });
    child.once('exit', (code) => reject(new Error(`upstream exited (${code})`)));
  });
  return { url, sseUrl, streamBytes: bytes, stop: () => child.kill('SIGTERM') };
}

interface Path {
  name: string;
  url: string;
  key: string;
}

/** CPU time (user + system, ms) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Latencies (ms) of `count` sequential calls per path, the paths alternating in blocks; and the CPU ms
 * the gateway process used during each path's blocks.
 */
async function latencies(
  paths: Path[],
  count: number,
  gatewayPid: number,
): Promise<{ times: Map<string, number[]>; cpu: Map<string, number> }> {
  const times = new Map<string, number[]>(paths.map((item) => [item.name, []]));
  const cpu = new Map<string, number>(paths.map((item) => [item.name, 0]));
  for (let done = 0; done < count; done += BLOCK) {
    for (const item of paths) {
      const list = times.get(item.name) as number[];
      const before = cpuMs(gatewayPid);
      for (let index = 0; index < BLOCK; index++) {
        const started = performance.now();
        await expectOk(item.url, item.key, CALL);
        list.push(performance.now() - started);
      }
      cpu.set(item.name, (cpu.get(item.name) ?? 0) + cpuMs(gatewayPid) - before);
    }
  }
  return { times, cpu };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** MiB/s of one stream read to its end. */
async function streamRate(item: Path, expectedBytes: number): Promise<number> {
  const started = performance.now();
  const bytes = await expectOk(item.url, item.key, STREAM);
  const seconds = (performance.now() - started) / 1000;
  if (bytes !== expectedBytes)
    throw new Error(`${item.name}: ${bytes} bytes, expected ${expectedBytes}`);
  return bytes / 1024 / 1024 / seconds;
}

await stats.printContext(
  `apps/gateway LLM routes: added latency and streamed MiB/s vs the upstream direct (${RUNS} run${RUNS === 1 ? '' : 's'})`,
);
const dataDir = await mkdtemp(path.join(tmpdir(), 'hud-gateway-llm-bench-'));
const upstream = await startUpstream();
const gateway = await startBin(['--port', '0', '--log-level', 'warn', '--data-dir', dataDir], {
  HUD_GATEWAY_BOOTSTRAP_KEY: KEY,
  OPENAI_API_KEY: PROVIDER_KEY,
  OPENAI_BASE_URL: `${upstream.url}/v1`,
  ANTHROPIC_API_KEY: PROVIDER_KEY,
  ANTHROPIC_BASE_URL: upstream.sseUrl,
  GEMINI_API_KEY: '',
});
try {
  const created = await fetch(`${gateway.url}/v2/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench-limited',
      requests_per_minute: 1_000_000,
      budget_tokens: 1_000_000_000_000,
    }),
  });
  const limitedKey = ((await created.json()) as { key: string }).key;
  const direct: Path = {
    name: 'direct',
    url: `${upstream.url}/v1/chat/completions`,
    key: PROVIDER_KEY,
  };
  const through: Path = { name: 'gateway', url: `${gateway.url}/v1/chat/completions`, key: KEY };
  const limited: Path = {
    name: 'gateway, key with rpm + budget',
    url: through.url,
    key: limitedKey,
  };
  const paths = [direct, through, limited];
  const streamDirect: Path = {
    name: 'direct',
    url: `${upstream.sseUrl}/v1/messages`,
    key: PROVIDER_KEY,
  };
  const streamThrough: Path = { name: 'gateway', url: `${gateway.url}/v1/messages`, key: KEY };
  const streamPaths = [streamDirect, streamThrough];
  // The body's length is known from the upstream (the gateway passes it on unchanged).
  const streamBytes = upstream.streamBytes;
  const pid = gateway.child.pid as number;
  await latencies(paths, 200, pid); // warm-up
  for (const item of streamPaths) await streamRate(item, streamBytes);

  const p50 = new Map<string, number[]>();
  const p99 = new Map<string, number[]>();
  const rate = new Map<string, number[]>();
  const callCpu = new Map<string, number[]>();
  const mibCpu = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, value: number) =>
    map.set(key, [...(map.get(key) ?? []), value]);
  for (let run = 0; run < RUNS; run++) {
    const { times, cpu } = await latencies(paths, REQUESTS, pid);
    for (const [name, list] of times) {
      push(p50, name, percentile(list, 0.5));
      push(p99, name, percentile(list, 0.99));
      push(callCpu, name, ((cpu.get(name) ?? 0) * 1000) / REQUESTS);
    }
    const rates = new Map<string, number[]>();
    for (let index = 0; index < STREAMS_PER_RUN; index++) {
      for (const item of streamPaths) {
        const before = cpuMs(pid);
        push(rates, item.name, await streamRate(item, streamBytes));
        if (item === streamThrough)
          push(mibCpu, item.name, (cpuMs(pid) - before) / (streamBytes / 1024 / 1024));
      }
    }
    for (const [name, list] of rates) push(rate, name, stats.median(list));
  }
  const med = (map: Map<string, number[]>, name: string) =>
    stats.median(map.get(name) ?? [Number.NaN]);
  stats.printTable([
    [
      'path',
      'p50 ms',
      'p99 ms',
      'added p50 ms',
      'added p99 ms',
      'p50 vs direct',
      'gateway CPU µs/call',
    ],
    ...paths.map((item) => [
      item.name,
      stats.formatNumber(med(p50, item.name), 2),
      stats.formatNumber(med(p99, item.name), 2),
      item === direct ? '' : stats.formatNumber(med(p50, item.name) - med(p50, direct.name), 2),
      item === direct ? '' : stats.formatNumber(med(p99, item.name) - med(p99, direct.name), 2),
      stats.formatRatio(med(p50, item.name) / med(p50, direct.name)),
      item === direct ? '' : stats.formatNumber(med(callCpu, item.name), 0),
    ]),
  ]);
  console.log('');
  stats.printTable([
    ['path', `${STREAM_MIB} MiB SSE stream, MiB/s`, 'vs direct', 'gateway CPU ms/MiB'],
    ...streamPaths.map((item) => [
      item.name,
      stats.formatNumber(med(rate, item.name), 0),
      stats.formatRatio(med(rate, item.name) / med(rate, direct.name)),
      item === streamThrough ? stats.formatNumber(med(mibCpu, item.name), 2) : '',
    ]),
  ]);
} finally {
  await gateway.stop().catch(() => {});
  upstream.stop();
  agent.destroy();
  await rm(dataDir, { recursive: true, force: true });
}
