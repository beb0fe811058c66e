// Scripted agents for tests: tiny implementations of the protocol's Agent contract (no model).

import type { Agent, AgentContext, AgentResult } from '@hud/protocol';

/** An agent built from a function. */
export function scriptedAgent(
  run: (context: AgentContext) => Promise<AgentResult>,
  name = 'scripted',
): Agent {
  return { name, run };
}

/** Answers `answer` to everything. */
export const fixedAgent = (answer: string): Agent =>
  scriptedAgent(async (context) => {
    context.record({ source: 'agent', content: answer, done: true });
    return { answer };
  }, 'fixed');

/** Throws after recording one step. */
export const throwingAgent: Agent = scriptedAgent(async (context) => {
  context.record({ source: 'agent', content: 'thinking…' });
  throw new Error('model exploded');
}, 'throwing');

/** Waits until its signal aborts, then rejects with the reason (a well-behaved slow agent). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Never finishes and ignores its signal. */
export const hangingAgent: Agent = scriptedAgent(() => new Promise<never>(() => {}), 'hanging');
