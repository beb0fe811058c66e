import { afterEach, describe, expect, it } from 'vitest';
import { FakeServer } from './__fixtures__/fake-server.js';
import { rejection } from './__fixtures__/thrown.js';
import { HudClient } from './client.js';
import { connectSocket } from './connect-socket.js';
import { ProtocolError } from './errors.js';
import { TasksSolveResult } from './schemas.js';

// `tasks.solve` with `tool_calls` (a solution acting through an agent's tools) through a real socket:
// well-formed calls reach the caller as sent, malformed ones fail the client's check naming the method.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A client of a fake server that answers every request with `result`. */
async function solving(result: unknown): Promise<HudClient> {
  const server = await FakeServer.start(({ reply }) => reply(result));
  cleanups.push(() => server.close());
  const endpoint = { host: '127.0.0.1', port: server.port };
  const client = HudClient.fromSocket(await connectSocket(endpoint), { endpoint });
  cleanups.push(() => client.close());
  return client;
}

describe('tasks.solve tool_calls', () => {
  it('passes well-formed tool calls through', async () => {
    const result = {
      answer: 'done',
      tool_calls: [{ name: 'bash', arguments: { command: 'node --test' } }],
    };
    const client = await solving(result);
    await expect(client.solve()).resolves.toEqual(result);
  });

  it.each([
    [{ answer: 'a', tool_calls: {} }, 'tool_calls: '],
    [{ answer: 'a', tool_calls: [{ name: '', arguments: {} }] }, 'tool_calls.0.name: '],
    [{ answer: 'a', tool_calls: [{ name: 'bash', arguments: 'ls' }] }, 'tool_calls.0.arguments: '],
    [{ answer: 'a', tool_calls: [{ arguments: {} }] }, 'tool_calls.0.name: '],
  ])('refuses %j naming tasks.solve and the key', async (result, where) => {
    const client = await solving(result);
    const error = await rejection(client.solve());
    expect(ProtocolError.isInstance(error) && error.code).toBe(-32603);
    expect((error as ProtocolError).rpcMessage).toContain(
      `'tasks.solve': malformed result: ${where}`,
    );
  });

  it('types tool_calls as optional', () => {
    expect(TasksSolveResult.safeParse({ answer: 'a' }).success).toBe(true);
  });
});
