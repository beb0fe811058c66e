import { ErrorCode, WireError } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceEnv } from './__fixtures__/conformance-env.js';
import { probeEnv } from './__fixtures__/probe-env.js';
import { bound, closeAll, normalized, type Served, served } from './__fixtures__/served.js';
import { eventually, recordedLines, sleep, type WireClient } from './__fixtures__/wire-client.js';
import { Environment } from './environment.js';
import type { TemplateContext } from './template.js';

afterEach(closeAll);

const COUNT_BANANA = { id: 'count', args: { text: 'banana', letter: 'a' } };
const SCORE_1 = (id: unknown) =>
  `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"score":1.0}}`;
const NO_TASK = (id: unknown) =>
  `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":{"code":-32600,"message":"no task in progress"}}`;

async function sessionOf(client: WireClient): Promise<string> {
  const hello = await client.request('hello', {});
  return (hello.result as { session_id: string }).session_id;
}

/** Starts `count banana/a` on a new connection, disconnects (parking it), returns its session id. */
async function parkCount(env: Served, letter = 'a'): Promise<string> {
  const client = await env.connect();
  const session = await sessionOf(client);
  await client.call('tasks.start', { id: 'count', args: { text: 'banana', letter } });
  await client.close();
  return session;
}

describe('hello', () => {
  it('returns session, env and bindings exactly as recorded (raw_01)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    const recorded = recordedLines('raw_01_hello.json', 's2c', 1).map(normalized);
    const first = await client.call('hello', {});
    expect(normalized(first)).toBe(recorded[0]);
    // A repeated hello is the same session.
    expect(await client.call('hello', {})).toBe(first.replace('"id":1', '"id":2'));
  });

  it('accepts its own session id and a null session id', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    const first = await client.call('hello', {});
    const session = JSON.parse(first).result.session_id;
    expect(await client.call('hello', { session_id: session }, 2)).toBe(
      first.replace('"id":1', '"id":2'),
    );
    expect(await client.call('hello', { session_id: null }, 3)).toBe(
      first.replace('"id":1', '"id":3'),
    );
    expect(await client.call('hello', undefined, 4)).toBe(first.replace('"id":1', '"id":4'));
  });

  it('treats falsy params as {} and refuses other non-object params (raw_15 conn 9)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    const first = await client.call('hello', {});
    for (const [index, params] of [[], false, 0, ''].entries()) {
      const id = `falsy-${index}`;
      expect(await client.call('hello', params, id)).toBe(first.replace('"id":1', `"id":"${id}"`));
    }
    // Python answers with its AttributeError text here; ours names the problem (a listed deviation).
    expect(await client.call('hello', [1, 2], 2)).toBe(
      `{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"hello: 'params' must be an object"}}`,
    );
    expect(await client.call('tasks.list', [1, 2], 3)).toMatch(
      /^\{"jsonrpc":"2.0","id":3,"result":\{"tasks":\[/,
    );
  });

  it('mints the session when the first frame is not hello (raw_01 conn 2)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    const recorded = recordedLines('raw_01_hello.json', 's2c', 2).map(normalized);
    expect(normalized(await client.call('tasks.list', {}))).toBe(recorded[0]);
    expect(normalized(await client.call('hello', {}))).toBe(recorded[1]);
  });

  it('recomputes bindings from the current capabilities on every hello', async () => {
    const { env } = probeEnv();
    const server = await bound(env);
    const client = await server.connect();
    expect((await client.request('hello', {})).result).toMatchObject({ bindings: [] });
    env.addCapability({ name: 'late', protocol: 'x/1', url: 'tcp://127.0.0.1:9' });
    expect((await client.request('hello', {})).result).toMatchObject({
      env: { name: 'probe', version: '1.2.3' },
      bindings: [{ name: 'late', protocol: 'x/1', url: 'tcp://127.0.0.1:9', params: {} }],
    });
  });

  it('gives every connection its own session id', async () => {
    const env = await bound(probeEnv().env);
    const ids = new Set<string>();
    for (let index = 0; index < 5; index++) ids.add(await sessionOf(await env.connect()));
    expect(ids.size).toBe(5);
    for (const id of ids) expect(id).toMatch(/^sess-[0-9a-f]{8}$/);
  });
});

describe('resume and adoption (raw_13, raw_14)', () => {
  it('resumes a parked session by hello{session_id} and grades its task', async () => {
    const env = await served(conformanceEnv());
    const session = await parkCount(env);
    const second = await env.connect();
    const hello = await second.request('hello', { session_id: session });
    expect((hello.result as { session_id: string }).session_id).toBe(session);
    expect(await second.call('tasks.grade', { answer: '3' })).toBe(SCORE_1(2));
    await second.close();
    // Grading consumed the session.
    const third = await env.connect();
    expect(await third.call('hello', { session_id: session })).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"unknown session: '${session}'"}}`,
    );
  });

  it('refuses a non-string, unknown or live session id with the recorded errors', async () => {
    const env = await served(conformanceEnv());
    const recorded = recordedLines('raw_13_resume.json', 's2c', 3);
    const live = await env.connect();
    const liveSession = await sessionOf(live);
    await live.call('tasks.start', COUNT_BANANA);
    const client = await env.connect();
    expect(await client.call('hello', { session_id: 12345 }, 2)).toBe(recorded[1]);
    expect(normalized(await client.call('hello', { session_id: liveSession }, 3))).toBe(
      normalized(recorded[2] as string),
    );
    expect(await client.call('hello', { session_id: 'sess-00000000' }, 4)).toBe(recorded[3]);
    // The refusals changed nothing: the live session still grades its task.
    expect(await live.call('tasks.grade', { answer: '3' }, 9)).toBe(SCORE_1(9));
  });

  it('adopts the single parked task on a plain tasks.grade sent as the first frame', async () => {
    const env = await served(conformanceEnv());
    await parkCount(env);
    const second = await env.connect();
    expect(await second.call('tasks.grade', { answer: '3' })).toBe(SCORE_1(1));
    expect(await second.call('tasks.grade', { answer: '3' })).toBe(NO_TASK(2));
  });

  it('refuses to guess between two parked sessions, listing them sorted', async () => {
    const env = await served(conformanceEnv());
    const first = await parkCount(env, 'a');
    const second = await parkCount(env, 'n');
    const sorted = [first, second].sort();
    const client = await env.connect();
    await client.call('hello', {});
    expect(await client.call('tasks.grade', { answer: '3' })).toBe(
      `{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"2 parked sessions (${sorted.join(', ')}); resume one by sending hello with its session_id"}}`,
    );
    // Resuming one makes the other the only parked session: a plain grade elsewhere adopts it.
    await client.call('hello', { session_id: first });
    expect(await client.call('tasks.grade', { answer: '3' })).toBe(SCORE_1(4));
    await client.close();
    const other = await env.connect();
    expect(await other.call('tasks.grade', { answer: '2' })).toBe(SCORE_1(1));
  });

  it('never adopts a task whose session is still connected (raw_14 conn 7/8)', async () => {
    const env = await served(conformanceEnv());
    const owner = await env.connect();
    await owner.call('hello', {});
    await owner.call('tasks.start', COUNT_BANANA);
    const stranger = await env.connect();
    expect(await stranger.call('tasks.grade', { answer: '3' })).toBe(NO_TASK(1));
    await stranger.close();
    expect(await owner.call('tasks.grade', { answer: '3' })).toBe(SCORE_1(3));
  });

  it('parks the fresh session of a connection that resumes another (its own task stays gradable)', async () => {
    const env = await served(conformanceEnv());
    const parked = await parkCount(env, 'a');
    const client = await env.connect();
    const own = await sessionOf(client);
    await client.call('tasks.start', { id: 'count', args: { text: 'banana', letter: 'n' } });
    await client.call('hello', { session_id: parked });
    expect(await client.call('tasks.grade', { answer: '3' })).toBe(SCORE_1(4));
    // The task started under the discarded id is parked and can be resumed by its id.
    const other = await env.connect();
    expect((await other.request('hello', { session_id: own })).result).toMatchObject({
      session_id: own,
    });
    expect(await other.call('tasks.grade', { answer: '2' })).toBe(SCORE_1(2));
  });
});

describe('request handling', () => {
  it('executes notifications (no id, id null) without replying (raw_16)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    client.send({ jsonrpc: '2.0', method: 'nope.notify', params: {} });
    client.send({ jsonrpc: '2.0', method: 'tasks.start', params: COUNT_BANANA });
    // The notification started the task: this grade (string id) finds it.
    expect(await client.call('tasks.grade', { answer: '3' }, 'abc-5')).toBe(SCORE_1('abc-5'));
    client.send({ jsonrpc: '2.0', id: null, method: 'tasks.list', params: {} });
    client.send({ id: 6, method: 'hello', params: {} });
    expect(await client.line()).toMatch(/^\{"jsonrpc":"2.0","id":6,"result":\{"session_id":/);
  });

  it('echoes ids of any JSON type', async () => {
    const env = await bound(probeEnv().env);
    const client = await env.connect();
    const ids: unknown[] = ['abc', { nested: [1] }, 7.5, 0, -3, true, [1, 'x'], 'é'];
    for (const id of ids) {
      const reply = await client.call('tasks.cancel', {}, id);
      expect(JSON.parse(reply)).toEqual({ jsonrpc: '2.0', id, result: { cancelled: true } });
    }
    expect(await client.call('tasks.cancel', {}, { nested: [1] })).toBe(
      '{"jsonrpc":"2.0","id":{"nested":[1]},"result":{"cancelled":true}}',
    );
    expect(await client.call('tasks.cancel', {}, 'é')).toBe(
      '{"jsonrpc":"2.0","id":"\\u00e9","result":{"cancelled":true}}',
    );
  });

  it('answers pipelined frames in order, then closes after bye (raw_21)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    const requests = recordedLines('raw_21_pipelining.json', 'c2s');
    client.write(`${requests.join('\n')}\n`);
    const replies = (await client.endOfStream()).split('\n');
    expect(replies.pop()).toBe('');
    expect(replies.map(normalized)).toEqual(
      recordedLines('raw_21_pipelining.json', 's2c').map(normalized),
    );
  });

  it.each([
    [
      'a template error',
      new Error('unauthorized: the agent used the wrong key'),
      '{"code":-32000,"message":"unauthorized: the agent used the wrong key"}',
    ],
    [
      'a WireError refusal (closing is a flag, not words)',
      new WireError(ErrorCode.InvalidRequest, 'unauthorized: the robot refused the claim'),
      '{"code":-32600,"message":"unauthorized: the robot refused the claim"}',
    ],
  ])('keeps the connection after %s whose text says unauthorized', async (_kind, thrown, error) => {
    const env = new Environment();
    env.template({ id: 'refuses' }, async function* () {
      yield 'p';
      throw thrown;
    });
    const server = await bound(env);
    const client = await server.connect();
    await client.call('tasks.start', { id: 'refuses' });
    expect(await client.call('tasks.grade', { answer: 'x' })).toBe(
      `{"jsonrpc":"2.0","id":2,"error":${error}}`,
    );
    expect(await client.call('tasks.cancel')).toBe(
      '{"jsonrpc":"2.0","id":3,"result":{"cancelled":true}}',
    );
  });

  it('closes the connection after a WireError that says so, whatever its text', async () => {
    const env = new Environment();
    env.template({ id: 'revoked' }, async function* () {
      yield 'p';
      throw new WireError(ErrorCode.InvalidRequest, 'claim revoked', { closesConnection: true });
    });
    const server = await bound(env);
    const client = await server.connect();
    await client.call('tasks.start', { id: 'revoked' });
    client.send({ jsonrpc: '2.0', id: 2, method: 'tasks.grade', params: { answer: 'x' } });
    client.send({ jsonrpc: '2.0', id: 3, method: 'tasks.cancel' });
    expect(await client.endOfStream()).toBe(
      '{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"claim revoked"}}\n',
    );
  });

  it('answers unknown methods with -32601 (raw_16)', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    const recorded = recordedLines('raw_16_unknown_method.json', 's2c');
    await client.call('hello', {});
    expect(await client.call('tasks.frobnicate', { x: 1 })).toBe(recorded[1]);
    client.send({ jsonrpc: '2.0', id: 3, params: {} });
    expect(await client.line()).toBe(recorded[2]);
    expect(await client.call('tunnel.open', { capability: 'echo' }, 4)).toBe(recorded[3]);
  });

  it('validates tasks.start params with the recorded errors', async () => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    expect(await client.call('tasks.start', { id: 'nope', args: {} })).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"unknown task: 'nope'"}}`,
    );
    expect(await client.call('tasks.start', { args: {} })).toBe(
      `{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"tasks.start: 'id' must be a string"}}`,
    );
    expect(await client.call('tasks.start', { id: 'count', args: ['banana', 'a'] })).toBe(
      `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"tasks.start: 'args' must be an object"}}`,
    );
    expect(await client.call('tasks.start', { id: 'add', args: null })).toBe(
      `{"jsonrpc":"2.0","id":4,"error":{"code":-32000,"message":"task 'add': bad args []: missing a required argument: 'a'"}}`,
    );
    // Python's `params.get("args") or {}`: any falsy args value is no args.
    for (const [index, args] of [[], '', 0, false].entries()) {
      expect(await client.call('tasks.start', { id: 'add', args }, `falsy-${index}`)).toBe(
        `{"jsonrpc":"2.0","id":"falsy-${index}","error":{"code":-32000,"message":"task 'add': bad args []: missing a required argument: 'a'"}}`,
      );
    }
  });

  it.each([
    'raw_04_tasks_start_missing_args.json',
    'raw_10_template_errors.json',
    'raw_07_tasks_grade_correct.json',
    'raw_08_tasks_grade_wrong.json',
  ])('replays the recorded start/grade replies of %s', async (file) => {
    const env = await served(conformanceEnv());
    const client = await env.connect();
    const requests = recordedLines(file, 'c2s');
    const replies = recordedLines(file, 's2c');
    for (const [index, request] of requests.entries()) {
      client.write(`${request}\n`);
      expect(normalized(await client.line()), `${file} reply ${index + 1}`).toBe(
        normalized(replies[index] as string),
      );
    }
  });
});

describe('task lifecycle: the template generator is always finished', () => {
  async function probeServer(options = {}) {
    const { env, events } = probeEnv();
    return { env: await bound(env, options), events };
  }

  it('on grade', async () => {
    const { env, events } = await probeServer();
    const client = await env.connect();
    expect(await client.call('tasks.start', { id: 'probe', args: { tag: 'g' } })).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"prompt":"probe g"}}',
    );
    expect(await client.call('tasks.grade', { answer: 'g' })).toBe(SCORE_1(2));
    expect(events).toEqual(['start:g', 'abort:g', 'finally:g']);
  });

  it('on tasks.cancel, which also aborts the template signal', async () => {
    const { env, events } = await probeServer();
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 'c' } });
    expect(await client.call('tasks.cancel', {})).toBe(
      '{"jsonrpc":"2.0","id":2,"result":{"cancelled":true}}',
    );
    expect(events).toEqual(['start:c', 'abort:c', 'finally:c']);
    expect(await client.call('tasks.grade', { answer: 'c' })).toBe(NO_TASK(3));
    // Cancelling with nothing running still succeeds.
    expect(await client.call('tasks.cancel')).toBe(
      '{"jsonrpc":"2.0","id":4,"result":{"cancelled":true}}',
    );
  });

  it('on bye: the task is not parked and the server closes the connection (raw_12)', async () => {
    const { env, events } = await probeServer();
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 'b' } });
    expect(await client.call('bye', {})).toBe('{"jsonrpc":"2.0","id":2,"result":{"goodbye":true}}');
    expect(await client.endOfStream()).toBe('');
    // The server closes the socket itself, without waiting for the client to end its side.
    await eventually(() => env.server.connectionCount === 0, 'the server to close the socket');
    expect(events).toEqual(['start:b', 'abort:b', 'finally:b']);
    const other = await env.connect();
    expect(await other.call('tasks.grade', { answer: 'b' })).toBe(NO_TASK(1));
  });

  it('ignores frames pipelined after bye', async () => {
    const { env } = await probeServer();
    const client = await env.connect();
    client.write(
      '{"jsonrpc":"2.0","id":1,"method":"bye"}\n{"jsonrpc":"2.0","id":2,"method":"tasks.list"}\n',
    );
    expect(await client.endOfStream()).toBe('{"jsonrpc":"2.0","id":1,"result":{"goodbye":true}}\n');
  });

  it('when a new tasks.start replaces it (the grade goes to the latest)', async () => {
    const { env, events } = await probeServer();
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 'one' } });
    await client.call('tasks.start', { id: 'probe', args: { tag: 'two' } });
    expect(events).toEqual(['start:one', 'abort:one', 'finally:one', 'start:two']);
    expect(await client.call('tasks.grade', { answer: 'two' })).toBe(SCORE_1(3));
  });

  it('when a failing tasks.start (bad args, unknown task) replaces it, as recorded in raw_04', async () => {
    const { env, events } = await probeServer();
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 'x' } });
    expect(await client.call('tasks.start', { id: 'probe', args: {} })).toMatch(/"code":-32000/);
    expect(events).toEqual(['start:x', 'abort:x', 'finally:x']);
    await client.call('tasks.start', { id: 'probe', args: { tag: 'y' } });
    expect(await client.call('tasks.start', { id: 'nope' })).toMatch(/unknown task: 'nope'/);
    expect(events.at(-1)).toBe('finally:y');
  });

  it('but not when tasks.start is malformed (id or args of the wrong type), as hud-python checks those first', async () => {
    const { env, events } = await probeServer();
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 'keep' } });
    expect(await client.call('tasks.start', { id: 42 })).toMatch(/'id' must be a string/);
    expect(await client.call('tasks.start', { id: 'probe', args: 'x' })).toMatch(
      /'args' must be an object/,
    );
    expect(events).toEqual(['start:keep']);
    expect(await client.call('tasks.grade', { answer: 'keep' })).toBe(SCORE_1(4));
  });

  it('when the server closes (parked and live tasks alike)', async () => {
    const { env, events } = await probeServer();
    const parked = await env.connect();
    await parked.call('tasks.start', { id: 'probe', args: { tag: 'parked' } });
    await parked.close();
    const live = await env.connect();
    await live.call('tasks.start', { id: 'probe', args: { tag: 'live' } });
    await env.server.close();
    expect(events.filter((event) => event.startsWith('finally:')).sort()).toEqual([
      'finally:live',
      'finally:parked',
    ]);
    expect(await live.endOfStream()).toBe('');
  });

  it('when a parked session expires (parkedTtlMs)', async () => {
    const { env, events } = await probeServer({ parkedTtlMs: 200 });
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 'old' } });
    await client.close();
    await eventually(() => events.includes('finally:old'), 'the parked task to expire');
    expect(events).toEqual(['start:old', 'abort:old', 'finally:old']);
    const other = await env.connect();
    expect(await other.call('tasks.grade', { answer: 'old' })).toBe(NO_TASK(1));
    expect(env.server.channel.runnerCount).toBe(0);
  });

  it('but a live session never expires, nor a resumed one', async () => {
    const { env, events } = await probeServer({ parkedTtlMs: 100 });
    const live = await env.connect();
    await live.call('tasks.start', { id: 'probe', args: { tag: 'live' } });
    const resumed = await env.connect();
    const session = await sessionOf(resumed);
    await resumed.call('tasks.start', { id: 'probe', args: { tag: 'resumed' } });
    await resumed.close();
    const again = await env.connect();
    await again.call('hello', { session_id: session });
    // Several TTLs pass while both sessions are connected.
    await sleep(400);
    expect(events).toEqual(['start:live', 'start:resumed']);
    expect(await live.call('tasks.grade', { answer: 'live' })).toBe(SCORE_1(2));
    expect(await again.call('tasks.grade', { answer: 'resumed' })).toBe(SCORE_1(2));
  });

  it('keeps parked tasks forever with parkedTtlMs 0 (hud-python behaviour)', async () => {
    const { env, events } = await probeServer({ parkedTtlMs: 0 });
    const client = await env.connect();
    await client.call('tasks.start', { id: 'probe', args: { tag: 'kept' } });
    await client.close();
    expect(await env.server.channel.expireParked(0)).toBe(1);
    expect(events.at(-1)).toBe('finally:kept');
  });

  it('expires sessions atomically: one cannot be resumed while an earlier one is still closing', async () => {
    const env = new Environment();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    env.template({ id: 'slow-cleanup' }, async function* () {
      try {
        yield 'p';
      } finally {
        await gate;
      }
    });
    env.template({ id: 'quick' }, async function* () {
      yield 'p';
      yield 1;
    });
    const server = await bound(env, { parkedTtlMs: 0 });
    const slow = await server.connect();
    await slow.call('tasks.start', { id: 'slow-cleanup' });
    await slow.close();
    const quick = await server.connect();
    const quickSession = await sessionOf(quick);
    await quick.call('tasks.start', { id: 'quick' });
    await quick.close();
    await eventually(() => server.server.channel.parkedCount === 2, 'both sessions to park');
    const expiring = server.server.channel.expireParked(0);
    const late = await server.connect();
    const hello = await late.call('hello', { session_id: quickSession });
    release();
    expect(await expiring).toBe(2);
    // Resuming an expiring session must not succeed only to lose its task right after.
    expect(hello).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"unknown session: '${quickSession}'"}}`,
    );
  });

  it('counts live and parked runners', async () => {
    const { env } = await probeServer();
    const first = await env.connect();
    await first.call('tasks.start', { id: 'probe', args: { tag: 'a' } });
    const second = await env.connect();
    await second.call('tasks.start', { id: 'probe', args: { tag: 'b' } });
    expect(env.server.channel.runnerCount).toBe(2);
    expect(env.server.channel.parkedCount).toBe(0);
    await first.close();
    await eventually(() => env.server.channel.parkedCount === 1, 'the session to park');
    expect(env.server.channel.runnerCount).toBe(2);
  });
});

describe('multi-step tasks (hud-ts extension)', () => {
  const WORDS = ['one', 'two', 'three'];

  /**
   * A 3-step task: step n asks for WORDS[n]; steps 1 and 2 are graded with `done: false` and the next
   * prompt, step 3 with the mean. Its solution reads the current step from state the body keeps.
   */
  function stepsEnv() {
    const env = new Environment();
    const events: string[] = [];
    const stepOf = new WeakMap<TemplateContext, number>();
    env.template(
      { id: 'steps', solution: (_args, context) => WORDS[stepOf.get(context) ?? 0] },
      async function* (_args, context) {
        const scores: number[] = [];
        try {
          stepOf.set(context, 0);
          let answer: string = yield `Say '${WORDS[0]}'.`;
          for (let step = 0; step < WORDS.length - 1; step++) {
            events.push(`answer ${step}: ${answer}`);
            scores.push(answer === WORDS[step] ? 1 : 0);
            stepOf.set(context, step + 1);
            answer = yield {
              score: scores[step],
              done: false,
              prompt: `Say '${WORDS[step + 1]}'.`,
            };
          }
          events.push(`answer 2: ${answer}`);
          scores.push(answer === WORDS[2] ? 1 : 0);
          yield scores.reduce((sum, score) => sum + score) / scores.length;
        } finally {
          events.push('finally');
        }
      },
    );
    return { env, events };
  }

  const step = (id: number, score: string, next: string) =>
    `{"jsonrpc":"2.0","id":${id},"result":{"score":${score},"done":false,"prompt":"Say '${next}'."}}`;

  it('grades each step in the same live session and closes the task on its final grade', async () => {
    const { env, events } = stepsEnv();
    const server = await bound(env);
    const channel = server.server.channel;
    const client = await server.connect();
    const session = await sessionOf(client);
    expect(await client.call('tasks.start', { id: 'steps' })).toBe(
      `{"jsonrpc":"2.0","id":2,"result":{"prompt":"Say 'one'."}}`,
    );
    expect(await client.call('tasks.solve')).toBe(
      '{"jsonrpc":"2.0","id":3,"result":{"answer":"one"}}',
    );
    expect(await client.call('tasks.grade', { answer: 'one' })).toBe(step(4, '1.0', 'two'));
    // The task stays under the session, live (not parked), and its solution follows the step.
    expect([channel.runnerCount, channel.parkedCount]).toEqual([1, 0]);
    expect(await sessionOf(client)).toBe(session);
    expect(await client.call('tasks.solve')).toBe(
      '{"jsonrpc":"2.0","id":6,"result":{"answer":"two"}}',
    );
    expect(await client.call('tasks.grade', { answer: 'too' })).toBe(step(7, '0.0', 'three'));
    expect(events).toEqual(['answer 0: one', 'answer 1: too']);
    expect(await client.call('tasks.grade', { answer: 'three' })).toBe(
      '{"jsonrpc":"2.0","id":8,"result":{"score":0.6666666666666666}}',
    );
    expect(events).toEqual(['answer 0: one', 'answer 1: too', 'answer 2: three', 'finally']);
    expect(channel.runnerCount).toBe(0);
    expect(await client.call('tasks.grade', { answer: 'four' })).toBe(NO_TASK(9));
  });

  it('parks a task between steps when its connection drops; an adopter carries on with it', async () => {
    const { env, events } = stepsEnv();
    const server = await bound(env);
    const channel = server.server.channel;
    const first = await server.connect();
    await first.call('tasks.start', { id: 'steps' });
    expect(await first.call('tasks.grade', { answer: 'one' })).toBe(step(2, '1.0', 'two'));
    await first.close();
    await eventually(() => channel.parkedCount === 1, 'the task to park');
    const adopter = await server.connect();
    expect(await adopter.call('tasks.grade', { answer: 'two' })).toBe(step(1, '1.0', 'three'));
    // The adopted task now lives under the adopter's session.
    expect([channel.runnerCount, channel.parkedCount]).toEqual([1, 0]);
    expect(await adopter.call('tasks.solve')).toBe(
      '{"jsonrpc":"2.0","id":2,"result":{"answer":"three"}}',
    );
    expect(await adopter.call('tasks.grade', { answer: 'three' })).toBe(SCORE_1(3));
    expect(events.at(-1)).toBe('finally');
  });

  it('closes the generator on tasks.cancel between steps (its finally runs)', async () => {
    const { env, events } = stepsEnv();
    const server = await bound(env);
    const client = await server.connect();
    await client.call('tasks.start', { id: 'steps' });
    expect(await client.call('tasks.grade', { answer: 'one' })).toBe(step(2, '1.0', 'two'));
    expect(await client.call('tasks.cancel')).toBe(
      '{"jsonrpc":"2.0","id":3,"result":{"cancelled":true}}',
    );
    expect(events).toEqual(['answer 0: one', 'finally']);
    expect(server.server.channel.runnerCount).toBe(0);
    expect(await client.call('tasks.grade', { answer: 'two' })).toBe(NO_TASK(4));
  });

  it('treats a done:false grade without a prompt as an ordinary grade: the task closes', async () => {
    const env = new Environment();
    const events: string[] = [];
    env.template({ id: 'partial' }, async function* () {
      try {
        yield 'p';
        yield { score: 0.5, done: false };
        events.push('resumed');
      } finally {
        events.push('finally');
      }
    });
    const server = await bound(env);
    const client = await server.connect();
    await client.call('tasks.start', { id: 'partial' });
    expect(await client.call('tasks.grade', { answer: 'x' })).toBe(
      '{"jsonrpc":"2.0","id":2,"result":{"score":0.5,"done":false}}',
    );
    expect(events).toEqual(['finally']);
    expect(await client.call('tasks.grade', { answer: 'x' })).toBe(NO_TASK(3));
  });
});
