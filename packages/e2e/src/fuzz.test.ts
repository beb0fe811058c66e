import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { WireClient } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COUNT_PROMPT,
  type ControlCase,
  describeCase,
  type FuzzContext,
  generateCase,
  type Held,
  type Item,
  parseReply,
  type Random,
  type Reply,
  type TunnelCase,
} from './fuzz-cases.js';
import { type ServedEnv, serveEnv } from './support/served-env.js';

/**
 * Fuzzes ONE `hud serve examples/conformance/env.ts --max-frame-bytes 4096` child process with seeded
 * hostile input (fuzz-cases.ts): malformed, truncated, oversized, non-object and deeply nested frames,
 * wrong-typed params, binary garbage, odd and huge ids, pipelined frames cut at random byte boundaries
 * across writes, half-closes, resets, and tunnel.open prefaces. Every reply is checked against what the
 * server must answer. Then: the process is alive; a fresh connection, a connection open during the whole
 * fuzz, and the tasks parked before it still work; and exactly the sessions the fuzz left holding a task
 * are parked — each resumable — and nothing else.
 *
 * Replay: HUD_FUZZ_SEED=<seed> (printed on failure; default fixed, so CI is reproducible).
 */
const SEED = Number(process.env.HUD_FUZZ_SEED ?? 0x5eed_2026);
const MAX_CASES = 2_000;
const TIME_BUDGET_MS = 20_000;
const CONCURRENCY = 8;
const READ_TIMEOUT_MS = 10_000;
const MAX_FRAME_BYTES = 4096;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A short random pause between writes: none, a turn of the event loop, or a few ms. */
function pause(random: Random): Promise<void> {
  switch (random.int(3)) {
    case 0:
      return Promise.resolve();
    case 1:
      return new Promise<void>((resolve) => setImmediate(resolve));
    default:
      return sleep(1 + random.int(3));
  }
}

/** Writes `bytes` cut at 0–4 random byte boundaries, pausing between the pieces. */
async function writeInPieces(socket: WireClient, bytes: Buffer, random: Random): Promise<void> {
  const cuts = new Set<number>();
  const pieces = bytes.length > 1 ? random.int(5) : 0;
  for (let index = 0; index < pieces; index++) cuts.add(1 + random.int(bytes.length - 1));
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    socket.write(bytes.subarray(start, cut));
    start = cut;
    await pause(random);
  }
  socket.write(bytes.subarray(start));
}

async function call(
  socket: WireClient,
  id: number,
  method: string,
  params: unknown,
): Promise<Reply> {
  socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
  const text = await socket.nextLine(READ_TIMEOUT_MS);
  if (text === null) throw new Error(`connection closed before the reply to ${method}`);
  const { reply, problem } = parseReply(text);
  if (!reply) throw new Error(problem);
  return reply;
}

/** What one case left behind. */
interface Outcome {
  problems: string[];
  /** Whether the connection's session holds a task now that it is closed (so it must be parked). */
  parked: 'yes' | 'maybe' | 'no';
  /** Session ids the server gave this connection. */
  sessionIds: string[];
}

/**
 * Whether a reset connection's session holds a task: the server processed some prefix of `rest` (the
 * items after the last reply read) before it saw the reset, starting from `held`.
 */
function possiblyParked(held: Held, rest: readonly Item[]): Outcome['parked'] {
  let states: Held[] = [held];
  const seen = new Set<Held>(states);
  for (const item of rest) {
    if (item.kind === 'fatal') break;
    states = [...new Set(states.flatMap((state) => item.effect(state)))];
    for (const state of states) seen.add(state);
    if (item.closes) break;
  }
  if (!seen.has(undefined)) return 'yes';
  return seen.size === 1 ? 'no' : 'maybe';
}

async function runControlCase(
  port: number,
  fuzzCase: ControlCase,
  random: Random,
): Promise<Outcome> {
  const { items, ending } = fuzzCase;
  const socket = await WireClient.connect(port);
  await writeInPieces(socket, Buffer.concat(items.map((item) => item.bytes)), random);
  if (fuzzCase.tail) socket.write(fuzzCase.tail);
  const unread = ending === 'reset' || ending === 'destroy';
  if (ending === 'half-close' || ending === 'tail') socket.end();
  // A reset/destroy case reads a random number of its replies first, then drops the connection.
  const answered = items.filter((item) => item.kind !== 'notification').length;
  const toRead = unread ? random.int(answered + 1) : answered;
  const problems: string[] = [];
  const sessionIds = new Set<string>();
  let held: Held;
  let read = 0;
  let next = 0;
  let closedByServer = false;
  try {
    for (; next < items.length && !closedByServer; next++) {
      if (read === toRead) break;
      const item = items[next] as Item;
      if (item.kind === 'notification') {
        held = item.effect(held)[0];
        continue;
      }
      read++;
      const text = await socket.nextLine(READ_TIMEOUT_MS);
      if (text === null) {
        problems.push(`item ${next} (${item.label}): the server closed before replying`);
        closedByServer = true;
        break;
      }
      const { reply, problem } = parseReply(text);
      if (!reply) {
        problems.push(`item ${next} (${item.label}): ${problem}`);
        break;
      }
      const checked = item.check?.(reply, held) ?? { held };
      if (checked.problem) {
        problems.push(
          `item ${next} (${item.label}): ${checked.problem}; got ${text.slice(0, 200)}`,
        );
      }
      held = checked.held;
      if (typeof reply.result?.session_id === 'string') sessionIds.add(reply.result.session_id);
      closedByServer = item.kind === 'fatal' || item.closes === true;
    }
    if (sessionIds.size > 1)
      problems.push(`hello answered ${sessionIds.size} session ids on one connection`);
    if (unread && !closedByServer) {
      await pause(random);
      if (ending === 'reset') socket.socket.resetAndDestroy();
      else socket.destroy();
      return {
        problems,
        parked: possiblyParked(held, items.slice(next)),
        sessionIds: [...sessionIds],
      };
    }
    if (ending === 'read-then-reset' && !closedByServer) {
      socket.socket.resetAndDestroy();
    } else {
      const rest = await socket.untilEnd(READ_TIMEOUT_MS);
      if (rest.length > 0)
        problems.push(`bytes after the last reply: ${rest.toString().slice(0, 200)}`);
    }
  } catch (error) {
    problems.push((error as Error).message);
    socket.destroy();
  }
  return { problems, parked: held === undefined ? 'no' : 'yes', sessionIds: [...sessionIds] };
}

async function runTunnelCase(port: number, fuzzCase: TunnelCase, random: Random): Promise<Outcome> {
  const socket = await WireClient.connect(port);
  const problems: string[] = [];
  const after = fuzzCase.mode === 'refused' ? fuzzCase.payload.subarray(0, 64) : fuzzCase.payload;
  await writeInPieces(socket, Buffer.concat([fuzzCase.preface, after]), random);
  if (fuzzCase.mode === 'reset') {
    socket.socket.resetAndDestroy();
    return { problems, parked: 'no', sessionIds: [] };
  }
  socket.end();
  try {
    if (fuzzCase.id !== undefined) {
      const text = await socket.nextLine(READ_TIMEOUT_MS);
      const { reply, problem } =
        text === null ? { problem: 'closed before replying' } : parseReply(text);
      const expectedId = JSON.stringify(fuzzCase.id);
      if (!reply) problems.push(`tunnel.open: ${problem}`);
      else if (JSON.stringify(reply.id) !== expectedId)
        problems.push(`tunnel.open: reply id ${JSON.stringify(reply.id)}`);
      else if (fuzzCase.refusal) {
        if (
          reply.error?.code !== fuzzCase.refusal.code ||
          !fuzzCase.refusal.message.test(reply.error.message)
        ) {
          problems.push(`tunnel.open: expected error ${fuzzCase.refusal.code}, got ${text}`);
        }
      } else if (JSON.stringify(reply.result) !== '{"capability":"echo"}') {
        problems.push(`tunnel.open: expected {capability: 'echo'}, got ${text}`);
      }
    }
    const rest = await socket.untilEnd(READ_TIMEOUT_MS);
    const expected = fuzzCase.mode === 'echo' ? fuzzCase.payload : Buffer.alloc(0);
    if (!rest.equals(expected)) {
      problems.push(
        `tunnel: ${rest.length} bytes came back, expected ${expected.length} (${fuzzCase.mode})`,
      );
    }
  } catch (error) {
    problems.push((error as Error).message);
    socket.destroy();
  }
  return { problems, parked: 'no', sessionIds: [] };
}

/** Start+grade cycles on one connection until `stop()`, each reply compared byte for byte. */
async function witness(
  port: number,
  stop: () => boolean,
): Promise<{ cycles: number; problems: string[] }> {
  const socket = await WireClient.connect(port);
  const problems: string[] = [];
  let cycles = 0;
  let id = 1;
  const exchange = async (request: string, expected: string) => {
    socket.write(request);
    const text = await socket.nextLine(READ_TIMEOUT_MS);
    if (text !== expected) problems.push(`witness: expected ${expected}, got ${text}`);
  };
  try {
    while (!stop() && problems.length === 0) {
      const start = id++;
      await exchange(
        `{"jsonrpc":"2.0","id":${start},"method":"tasks.start","params":{"id":"count","args":{"text":"banana","letter":"a"}}}\n`,
        `{"jsonrpc":"2.0","id":${start},"result":{"prompt":${JSON.stringify(COUNT_PROMPT)}}}`,
      );
      const grade = id++;
      await exchange(
        `{"jsonrpc":"2.0","id":${grade},"method":"tasks.grade","params":{"answer":"3"}}\n`,
        `{"jsonrpc":"2.0","id":${grade},"result":{"score":1.0}}`,
      );
      cycles++;
    }
  } catch (error) {
    problems.push(`witness: ${(error as Error).message}`);
  }
  await call(socket, id, 'bye', {}).catch(() => undefined);
  socket.destroy();
  return { cycles, problems };
}

/** Established TCP connections to `port` on 127.0.0.1 whose remote end is `port` (Linux /proc). */
function establishedTo(port: number): number {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((row) => {
      const fields = row.trim().split(/\s+/);
      return fields[3] === '01' && Number.parseInt(fields[2]?.split(':')[1] ?? '', 16) === port;
    }).length;
}

const running = (served: ServedEnv) =>
  served.child.exitCode === null && served.child.signalCode === null;

describe(`fuzz of one hud serve process (HUD_FUZZ_SEED=${SEED})`, () => {
  let served: ServedEnv;
  let keeper: WireClient;
  let context: FuzzContext;
  let echoPort: number;
  const anchors: string[] = [];
  const result = {
    cases: 0,
    tunnelCases: 0,
    failures: [] as string[],
    parkedYes: 0,
    parkedMaybe: 0,
    sessionIds: new Set<string>(),
  };

  beforeAll(async () => {
    served = await serveEnv(undefined, ['--max-frame-bytes', String(MAX_FRAME_BYTES)]);
    // Open during the whole fuzz, holding a task.
    keeper = await WireClient.connect(served.port);
    const hello = await call(keeper, 1, 'hello', {});
    const bindings = hello.result?.bindings as { name: string; url: string }[];
    echoPort = Number(new URL(bindings.find((binding) => binding.name === 'echo')?.url ?? '').port);
    const started = await call(keeper, 2, 'tasks.start', {
      id: 'count',
      args: { text: 'banana', letter: 'a' },
    });
    expect(started.result).toEqual({ prompt: COUNT_PROMPT });
    context = {
      keeperSessionId: hello.result?.session_id as string,
      maxFrameBytes: MAX_FRAME_BYTES,
    };
    // Two parked sessions: blind adoption by tasks.grade then always refuses, which keeps the model exact.
    for (let index = 0; index < 2; index++) {
      const anchor = await WireClient.connect(served.port);
      const anchorHello = await call(anchor, 1, 'hello', {});
      await call(anchor, 2, 'tasks.start', { id: 'count', args: { text: 'banana', letter: 'a' } });
      anchor.end();
      await anchor.untilEnd(READ_TIMEOUT_MS);
      anchors.push(anchorHello.result?.session_id as string);
    }
  });

  afterAll(async () => {
    keeper?.destroy();
    if (!served || !running(served)) return;
    // SIGTERM, and SIGKILL if it does not exit (see the known shutdown bug below).
    const exited = once(served.child, 'exit');
    served.child.kill('SIGTERM');
    const timer = setTimeout(() => served.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });

  it('answers every fuzz case correctly while a valid client keeps cycling', async () => {
    const started = Date.now();
    let next = 0;
    let fuzzing = true;
    const witnessRun = witness(served.port, () => !fuzzing);
    const worker = async () => {
      while (next < MAX_CASES && Date.now() - started < TIME_BUDGET_MS && running(served)) {
        const index = next++;
        const { fuzzCase, random } = generateCase(SEED, index, context);
        let outcome: Outcome;
        try {
          outcome =
            fuzzCase.kind === 'tunnel'
              ? await runTunnelCase(served.port, fuzzCase, random)
              : await runControlCase(served.port, fuzzCase, random);
        } catch (error) {
          outcome = { problems: [(error as Error).message], parked: 'no', sessionIds: [] };
        }
        result.cases++;
        if (fuzzCase.kind === 'tunnel') result.tunnelCases++;
        if (outcome.parked === 'yes') result.parkedYes++;
        if (outcome.parked === 'maybe') result.parkedMaybe++;
        for (const sessionId of outcome.sessionIds) result.sessionIds.add(sessionId);
        if (outcome.problems.length > 0) {
          result.failures.push(
            `case ${index}: ${describeCase(fuzzCase)}\n    ${outcome.problems.join('\n    ')}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    fuzzing = false;
    const witnessed = await witnessRun;
    process.stderr.write(
      `fuzz: seed ${SEED}, ${result.cases} cases (${result.tunnelCases} tunnel) in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${result.parkedYes} left a task parked, ${result.parkedMaybe} may have; witness ${witnessed.cycles} cycles\n`,
    );
    const replay = `replay with HUD_FUZZ_SEED=${SEED}`;
    expect(
      running(served),
      `the server exited during the fuzz (${replay}):\n${served.stderr().slice(-2000)}`,
    ).toBe(true);
    expect(
      result.failures.slice(0, 5),
      `${result.failures.length} of ${result.cases} cases failed (${replay})`,
    ).toEqual([]);
    expect(witnessed.problems, replay).toEqual([]);
    expect(witnessed.cycles).toBeGreaterThan(0);
    expect(result.cases).toBeGreaterThanOrEqual(200);
  });

  it('is still running, and a fresh connection does a correct hello / tasks.start / tasks.grade cycle', async () => {
    expect(running(served)).toBe(true);
    const socket = await WireClient.connect(served.port);
    const hello = await call(socket, 1, 'hello', {});
    expect(hello.result?.env).toEqual({ name: 'conformance', version: '0.1.0' });
    const started = await call(socket, 2, 'tasks.start', {
      id: 'count',
      args: { text: 'banana', letter: 'a' },
    });
    expect(started.result).toEqual({ prompt: COUNT_PROMPT });
    socket.write('{"jsonrpc":"2.0","id":3,"method":"tasks.grade","params":{"answer":"3"}}\n');
    expect(await socket.nextLine(READ_TIMEOUT_MS)).toBe(
      '{"jsonrpc":"2.0","id":3,"result":{"score":1.0}}',
    );
    expect((await call(socket, 4, 'bye', {})).result).toEqual({ goodbye: true });
    expect(await socket.nextLine(READ_TIMEOUT_MS)).toBeNull();
  });

  it('grades the task of the connection that stayed open during the whole fuzz', async () => {
    keeper.write('{"jsonrpc":"2.0","id":3,"method":"tasks.grade","params":{"answer":"3"}}\n');
    expect(await keeper.nextLine(READ_TIMEOUT_MS)).toBe(
      '{"jsonrpc":"2.0","id":3,"result":{"score":1.0}}',
    );
  });

  it('parks exactly the sessions the fuzz left holding a task, each resumable, and nothing else', async () => {
    await sleep(300); // lets the server see the last fuzz connections close
    const probe = await WireClient.connect(served.port);
    let id = 1;
    const refusal = await call(probe, id++, 'tasks.grade', { answer: '3' });
    const match =
      /^(\d+) parked sessions \(([^)]*)\); resume one by sending hello with its session_id$/.exec(
        refusal.error?.message ?? '',
      );
    expect(refusal.error?.code, JSON.stringify(refusal)).toBe(-32600);
    expect(match, refusal.error?.message).not.toBeNull();
    const parked = (match?.[2] ?? '').split(', ');
    expect(Number(match?.[1])).toBe(parked.length);
    expect(parked).toEqual(expect.arrayContaining(anchors));
    expect(parked).not.toContain(context.keeperSessionId);
    // Sessions the fuzz left holding a task: certain ones, plus reset connections that may have.
    const left = parked.length - anchors.length;
    const expected = `${result.parkedYes} to ${result.parkedYes + result.parkedMaybe} parked fuzz sessions (seed ${SEED})`;
    expect(left, expected).toBeGreaterThanOrEqual(result.parkedYes);
    expect(left, expected).toBeLessThanOrEqual(result.parkedYes + result.parkedMaybe);
    // The anchors, parked before the fuzz, resume and grade correctly.
    for (const anchor of anchors) {
      expect((await call(probe, id++, 'hello', { session_id: anchor })).result?.session_id).toBe(
        anchor,
      );
      const grade = `{"jsonrpc":"2.0","id":${id},"method":"tasks.grade","params":{"answer":"3"}}\n`;
      probe.write(grade);
      expect(await probe.nextLine(READ_TIMEOUT_MS)).toBe(
        `{"jsonrpc":"2.0","id":${id++},"result":{"score":1.0}}`,
      );
    }
    // Every fuzz session the server named is parked (resumable) or gone — none is still live.
    const resumed = new Set<string>();
    for (const sessionId of [
      ...result.sessionIds,
      ...parked.filter((sid) => !anchors.includes(sid)),
    ]) {
      if (resumed.has(sessionId)) continue;
      const reply = await call(probe, id++, 'hello', { session_id: sessionId });
      if (reply.result) {
        expect(parked).toContain(sessionId);
        expect((await call(probe, id++, 'tasks.cancel', {})).result).toEqual({ cancelled: true });
        resumed.add(sessionId);
      } else {
        expect(reply.error).toEqual({ code: -32600, message: `unknown session: '${sessionId}'` });
        expect(parked).not.toContain(sessionId);
      }
    }
    expect(resumed.size).toBe(left);
    const empty = await call(probe, id++, 'tasks.grade', { answer: '3' });
    expect(empty.error).toEqual({ code: -32600, message: 'no task in progress' });
    probe.destroy();
  });

  // Server bugs the fuzz found (see bench/README.md "Server issues found"), fixed; each stays as a test.

  it('answers a request written together with an oversized line before refusing the line', async () => {
    const socket = await WireClient.connect(served.port);
    await call(socket, 1, 'hello', {}); // past the first frame, which is read apart (tunnel.open check)
    const oversized = `{"jsonrpc":"2.0","id":3,"method":"hello","params":{"pad":"${'x'.repeat(MAX_FRAME_BYTES)}"}}\n`;
    socket.write(`{"jsonrpc":"2.0","id":2,"method":"tasks.cancel"}\n${oversized}`);
    const first = parseReply((await socket.nextLine(READ_TIMEOUT_MS)) ?? '').reply;
    socket.destroy();
    expect(first?.result).toEqual({ cancelled: true });
  });

  it('refuses an oversized tunnel.open preface like any oversized frame', async () => {
    const socket = await WireClient.connect(served.port);
    const pad = 'x'.repeat(MAX_FRAME_BYTES);
    socket.write(
      `{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":"echo","pad":"${pad}"}}\n`,
    );
    const reply = parseReply((await socket.nextLine(READ_TIMEOUT_MS)) ?? '').reply;
    socket.destroy();
    expect(reply?.error?.code).toBe(-32600);
  });

  it.runIf(process.platform === 'linux')(
    'leaves no backend connection behind a tunnel whose client reset right after tunnel.open',
    async () => {
      for (let index = 0; index < 20; index++) {
        const socket = await WireClient.connect(served.port);
        socket.write(
          '{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":"echo"}}\n',
        );
        socket.socket.resetAndDestroy();
      }
      await sleep(500);
      expect(establishedTo(echoPort)).toBe(0);
    },
  );

  it('exits on SIGTERM while a tunnel is open', async () => {
    const socket = await WireClient.connect(served.port);
    socket.write(
      '{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":"echo"}}\n',
    );
    expect(await socket.nextLine(READ_TIMEOUT_MS)).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"capability":"echo"}}',
    );
    const exited = once(served.child, 'exit');
    served.child.kill('SIGTERM');
    const code = await Promise.race([
      exited.then(([exitCode]) => exitCode),
      sleep(5_000).then(() => 'still running'),
    ]);
    socket.destroy();
    expect(code).toBe(0);
  });
});
