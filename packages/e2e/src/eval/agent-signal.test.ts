import { getEventListeners } from 'node:events';
import { bind, type ControlServer } from '@hud/environment';
import { Taskset } from '@hud/eval';
import type { Provider } from '@hud/protocol';
import { scriptedAgent, untilAborted } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { count, env } from './__fixtures__/counter-env.js';

// The agent's signal (AgentContext.signal) aborts on the rollout's signal, its time limit and a dropped
// control connection. It follows them with listeners removed when the phase ends, not AbortSignal.any,
// whose weak references and finalization records outlived every rollout until a full collection (a long
// job's old generation filled with them).

const banana = () => count({ word: 'banana', letter: 'a' });

/** One server per lease, kept so a test can close it under a running agent. */
function serverProvider(): { provider: Provider; servers: ControlServer[] } {
  const servers: ControlServer[] = [];
  const provider: Provider = async () => {
    const server = await bind(env);
    servers.push(server);
    return { url: server.url, [Symbol.asyncDispose]: () => server.close() };
  };
  return { provider, servers };
}

describe("the agent's signal", () => {
  it('aborts when the control connection drops, with the connection error as its reason', async () => {
    const { provider, servers } = serverProvider();
    let seen: unknown;
    const agent = scriptedAgent(async (context) => {
      const waiting = untilAborted(context.signal).catch((reason: unknown) => {
        seen = reason;
        throw reason;
      });
      await servers[0]?.close(); // the environment goes away under the agent
      return waiting;
    });
    const job = await new Taskset('t', [banana()]).run({ agent, provider });
    const [run] = job.runs;
    expect(seen).toBeInstanceOf(Error);
    expect(run?.status).toBe('error');
    expect(run?.error).toMatch(/^\[agent loop\] /);
    expect(run?.error).toContain((seen as Error).message);
  });

  it('follows the control connection with a listener that is gone once the agent is done', async () => {
    const { provider } = serverProvider();
    let connection: AbortSignal | undefined;
    let during = 0;
    const agent = scriptedAgent(async (context) => {
      connection = context.client.signal;
      during = getEventListeners(connection, 'abort').length;
      return { answer: '3' };
    });
    const job = await new Taskset('t', [banana()]).run({ agent, provider });
    expect(job.runs[0]?.reward).toBe(1);
    expect(during).toBeGreaterThan(0);
    // The phase's own listener is gone (any left belong to the client itself, none to the agent phase).
    expect(getEventListeners(connection as AbortSignal, 'abort').length).toBe(during - 1);
  });
});
