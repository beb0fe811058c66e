import { ErrorCode, WireError } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceEnv } from './__fixtures__/conformance-env.js';
import { bound, closeAll } from './__fixtures__/served.js';
import { eventually, type WireClient } from './__fixtures__/wire-client.js';
import { ControlChannel } from './control-channel.js';
import { silentLogger } from './logger.js';

afterEach(closeAll);

const COUNT_BANANA = { id: 'count', args: { text: 'banana', letter: 'a' } };

async function sessionOf(client: WireClient): Promise<string> {
  const hello = await client.request('hello', {});
  return (hello.result as { session_id: string }).session_id;
}

/** Runs `cycles` start+grade cycles on `client` (ids from 10). */
async function cycles(client: WireClient, count: number): Promise<void> {
  for (let cycle = 0; cycle < count; cycle++) {
    expect(await client.call('tasks.start', COUNT_BANANA, 10 + 2 * cycle)).toMatch(/"prompt"/);
    expect(await client.call('tasks.grade', { answer: '3' }, 11 + 2 * cycle)).toBe(
      `{"jsonrpc":"2.0","id":${11 + 2 * cycle},"result":{"score":1.0}}`,
    );
  }
}

describe('session task slots', () => {
  it('a session whose tasks all ended holds nothing: not counted, not adoptable, gone when it disconnects', async () => {
    const server = await bound(conformanceEnv());
    const channel = server.server.channel;
    const client = await server.connect();
    const session = await sessionOf(client);
    await cycles(client, 3);
    expect([channel.runnerCount, channel.parkedCount]).toEqual([0, 0]);
    const other = await server.connect();
    expect(await other.call('tasks.grade', { answer: '3' })).toBe(
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"no task in progress"}}',
    );
    await client.close();
    await eventually(() => server.server.connectionCount === 1, 'the first connection to close');
    expect([channel.runnerCount, channel.parkedCount]).toEqual([0, 0]);
    // Nothing is left to resume: the session is unknown, as it was before slots were kept.
    expect(await other.call('hello', { session_id: session }, 2)).toBe(
      `{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"unknown session: '${session}'"}}`,
    );
  });

  it('a task parked after cycles on the same session is adopted once, and its session is then unknown', async () => {
    const server = await bound(conformanceEnv());
    const channel = server.server.channel;
    const client = await server.connect();
    const session = await sessionOf(client);
    await cycles(client, 2);
    expect(await client.call('tasks.start', COUNT_BANANA, 99)).toMatch(/"prompt"/);
    await client.close();
    await eventually(() => channel.parkedCount === 1, 'the task to park');
    expect(channel.runnerCount).toBe(1);
    const adopter = await server.connect();
    expect(await adopter.call('tasks.grade', { answer: '3' })).toBe(
      '{"jsonrpc":"2.0","id":1,"result":{"score":1.0}}',
    );
    expect([channel.runnerCount, channel.parkedCount]).toEqual([0, 0]);
    expect(await adopter.call('hello', { session_id: session }, 2)).toBe(
      `{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"unknown session: '${session}'"}}`,
    );
    // The adopter's own session goes on with fresh cycles.
    await cycles(adopter, 2);
    expect([channel.runnerCount, channel.parkedCount]).toEqual([0, 0]);
  });

  it('a live session that ended its task can still be resumed by nobody else', async () => {
    const server = await bound(conformanceEnv());
    const client = await server.connect();
    const session = await sessionOf(client);
    await cycles(client, 1);
    const other = await server.connect();
    expect(await other.call('hello', { session_id: session })).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"session '${session}' has a live connection"}}`,
    );
  });
});

describe('tasks.start params', () => {
  it('checks args named like Object.prototype members as any other (JSON objects are plain)', async () => {
    const server = await bound(conformanceEnv());
    const client = await server.connect();
    for (const [index, key] of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
    ].entries()) {
      client.write(
        `{"jsonrpc":"2.0","id":${index},"method":"tasks.start","params":{"id":"count","args":{"text":"banana","letter":"a","${key}":{"x":1}}}}\n`,
      );
      // Not a params refusal: the template's own checks decide (they take these as the count template's).
      expect(await client.line()).toMatch(
        new RegExp(`^\\{"jsonrpc":"2.0","id":${index},"result":\\{"prompt"`),
      );
    }
  });

  it('refuses an id that is not a string and args that are not an object, naming them', async () => {
    const server = await bound(conformanceEnv());
    const client = await server.connect();
    expect(await client.call('tasks.start', { id: 7, args: {} })).toBe(
      `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"tasks.start: 'id' must be a string"}}`,
    );
    expect(await client.call('tasks.start', { id: 'count', args: [1] }, 2)).toBe(
      `{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"tasks.start: 'args' must be an object"}}`,
    );
  });
});

describe('ControlChannel.handle', () => {
  const holder = () => ({ sessionId: 'sess-00000000', authenticated: true });

  it('answers hello and tasks.list without a promise, and a start with one', async () => {
    const channel = new ControlChannel(conformanceEnv(), { logger: silentLogger });
    const session = holder();
    const hello = channel.handle(session, 'hello', {});
    expect(hello).not.toBeInstanceOf(Promise);
    expect((hello as { result: { session_id: string } }).result.session_id).toBe('sess-00000000');
    expect(channel.handle(session, 'tasks.list', {})).not.toBeInstanceOf(Promise);
    const started = channel.handle(session, 'tasks.start', COUNT_BANANA);
    expect(started).toBeInstanceOf(Promise);
    expect(await started).toEqual({
      result: {
        prompt:
          "How many times does the letter 'a' appear in 'banana'? Answer with just the number.",
      },
    });
    expect(channel.runnerCount).toBe(1);
    await channel.close();
    expect(channel.runnerCount).toBe(0);
  });

  it('throws a refusal at once; dispatch() rejects with the same error', async () => {
    const channel = new ControlChannel(conformanceEnv(), { logger: silentLogger });
    let thrown: unknown;
    try {
      channel.handle(holder(), 'tasks.nope', {});
    } catch (error) {
      thrown = error;
    }
    expect(WireError.isInstance(thrown) && [thrown.code, thrown.message]).toEqual([
      ErrorCode.MethodNotFound,
      'method not found: tasks.nope',
    ]);
    await expect(channel.dispatch(holder(), 'tasks.nope', {})).rejects.toThrow(
      'method not found: tasks.nope',
    );
    await expect(channel.dispatch(holder(), 'tasks.grade', {})).rejects.toThrow(
      'no task in progress',
    );
    await channel.close();
  });
});
