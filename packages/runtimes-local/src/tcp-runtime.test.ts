import { Environment, serve } from '@hud/environment';
import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { row } from './__fixtures__/rows.js';
import { attachRuntime, TcpRuntime } from './tcp-runtime.js';

function pingEnv() {
  const calls = { shutdown: 0 };
  const env = new Environment({ name: 'borrowed' });
  env.shutdown(() => {
    calls.shutdown++;
  });
  env.template({ id: 'ping' }, async function* () {
    const answer = yield 'say pong';
    yield answer === 'pong' ? 1 : 0;
  });
  return { env, calls };
}

describe('TcpRuntime', () => {
  it("leases a served environment's address and leaves the server running on release", async () => {
    const { env, calls } = pingEnv();
    await using server = await serve(env, { port: 0 });
    const provider = TcpRuntime(server.url, { params: { ready_timeout: 5 } });
    for (let round = 0; round < 2; round++) {
      await using lease = await provider(row('borrowed', 'ping'));
      expect(lease.url).toBe(server.url);
      expect(lease.params).toEqual({ ready_timeout: 5 });
      await using client = await HudClient.connect(lease);
      await client.startTask('ping');
      expect((await client.grade({ answer: 'pong' })).score).toBe(1);
    }
    expect(calls.shutdown).toBe(0);
    // Still accepting after both releases.
    await using client = await HudClient.connect(server.url);
    expect(client.manifest?.env.name).toBe('borrowed');
  });

  it('passes a Runtime through with its params, merged under explicit ones', async () => {
    const runtime = { url: 'tcp://127.0.0.1:7000', params: { ready_timeout: 300, provider: 'x' } };
    expect(TcpRuntime(runtime).runtime).toEqual(runtime);
    await using lease = attachRuntime(runtime, { ready_timeout: 1 });
    expect(lease.url).toBe('tcp://127.0.0.1:7000');
    expect(lease.params).toEqual({ ready_timeout: 1, provider: 'x' });
  });

  it('rejects URLs the client could not connect to', () => {
    expect(() => TcpRuntime('http://127.0.0.1:8765')).toThrow(/only tcp/);
    expect(() => attachRuntime('tcp://127.0.0.1')).toThrow(/no valid port/);
  });
});
