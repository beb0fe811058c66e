import { HudClient } from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Environment } from './environment.js';
import { bind } from './server.js';
import { solveWithTools, ToolSolution, ToolSolutionError } from './tool-solution.js';

// A solution that acts through an agent's tools: `tasks.solve` hands the calls to the client (the oracle)
// over a real control channel, and a malformed one is refused naming the template.

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Serves `env` on 127.0.0.1, starts `id` and returns the client's `tasks.solve` result (or rejection). */
async function solveOver(env: Environment, id: string): Promise<unknown> {
  const server = await bind(env);
  const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
  close = async () => {
    await client.close();
    await server.close();
  };
  await client.startTask(id, {});
  return client.solve().catch((error: unknown) => error);
}

describe('solveWithTools', () => {
  it('makes tasks.solve answer the tool calls and the answer, running nothing', async () => {
    const env = new Environment({ name: 'tools' });
    let ran = 0;
    env.template(
      {
        id: 'fix',
        solution: () => {
          ran++;
          return solveWithTools({
            calls: [
              { name: 'bash', arguments: { command: 'node --test | tail -n 3' } },
              {
                name: 'editor',
                arguments: { command: 'view', path: 'src/a.js', view_range: [1, 2] },
              },
            ],
            answer: 'Fixed it.',
          });
        },
      },
      async function* () {
        yield 'Fix it.';
      },
    );
    expect(await solveOver(env, 'fix')).toEqual({
      answer: 'Fixed it.',
      tool_calls: [
        { name: 'bash', arguments: { command: 'node --test | tail -n 3' } },
        { name: 'editor', arguments: { command: 'view', path: 'src/a.js', view_range: [1, 2] } },
      ],
    });
    expect(ran).toBe(1);
  });

  it('keeps a plain solution answer as it was (no tool_calls key)', async () => {
    const env = new Environment({ name: 'plain' });
    env.template({ id: 'p', solution: () => '42' }, async function* () {
      yield 'p';
    });
    expect(await solveOver(env, 'p')).toEqual({ answer: '42' });
  });

  it('refuses a malformed tool solution with -32000 naming the template and the call', async () => {
    const env = new Environment({ name: 'bad' });
    env.template(
      {
        id: 'broken',
        solution: () =>
          solveWithTools({
            calls: [
              { name: 'bash', arguments: { command: 'true' } },
              { name: '', arguments: {} },
            ],
            answer: 'x',
          }),
      },
      async function* () {
        yield 'p';
      },
    );
    const error = (await solveOver(env, 'broken')) as { rpcMessage?: string; code?: number };
    expect({ code: error.code, message: error.rpcMessage }).toEqual({
      code: -32000,
      message: "template 'broken': solveWithTools: calls[1].name must be a non-empty string",
    });
  });

  it.each([
    [{ calls: 'bash', answer: 'x' }, 'calls must be an array'],
    [{ calls: [], answer: undefined }, 'answer is missing'],
    [{ calls: [null], answer: 'x' }, 'calls[0] must be an object {name, arguments}'],
    [
      { calls: [{ name: 7, arguments: {} }], answer: 'x' },
      'calls[0].name must be a non-empty string',
    ],
    [
      { calls: [{ name: 'bash', arguments: 'ls' }], answer: 'x' },
      "calls[0].arguments of 'bash' must be a JSON object",
    ],
    [
      { calls: [{ name: 'bash', arguments: ['ls'] }], answer: 'x' },
      "calls[0].arguments of 'bash' must be a JSON object",
    ],
    [
      { calls: [{ name: 'bash' }], answer: 'x' },
      "calls[0].arguments of 'bash' must be a JSON object",
    ],
    [
      { calls: [{ name: 'bash', arguments: { when: new Date(0) } }], answer: 'x' },
      "calls[0].arguments of 'bash' must be a JSON object (at 'when')",
    ],
  ])('refuses %j: %s', (input, message) => {
    const make = () => solveWithTools(input as never);
    expect(make).toThrow(ToolSolutionError);
    expect(make).toThrow(`solveWithTools: ${message}`);
  });

  it('is recognised across installs by its brand, not its class', () => {
    const solution = solveWithTools({ calls: [], answer: 'a' });
    expect(ToolSolution.isInstance(solution)).toBe(true);
    expect(ToolSolution.isInstance({ calls: [], answer: 'a' })).toBe(false);
    expect(Object.isFrozen(solution.calls)).toBe(true);
  });
});
