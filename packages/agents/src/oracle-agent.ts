import {
  type Agent,
  type AgentContext,
  type AgentResult,
  HudError,
  ProtocolError,
} from '@hud/protocol';
import { AgentError } from './errors.js';

/**
 * The `oracle` agent: asks the environment for the template's reference solution (`tasks.solve`, a hud-ts
 * extension that runs the solution inside the substrate) and answers with it. Proves every task solvable.
 */
export class OracleAgent implements Agent {
  readonly name = 'oracle';

  /**
   * @throws AgentError `no_solution` when the environment has no reference solutions (a Python server, or a
   *   template without `solution`).
   */
  async run(context: AgentContext): Promise<AgentResult> {
    let answer: unknown;
    try {
      ({ answer } = await context.client.solve());
    } catch (error) {
      const serverMessage = ProtocolError.isInstance(error)
        ? error.rpcMessage
        : ProtocolError.isInstance((error as Error)?.cause)
          ? ((error as Error).cause as ProtocolError).rpcMessage
          : '';
      if (/has no reference solution/.test(serverMessage)) {
        // A hud-ts server without a solution for this template (it answers -32601 with this text).
        throw new AgentError('no_solution', `task '${context.task.slug}': ${serverMessage}`, {
          cause: error,
        });
      }
      if (HudError.isInstance(error) && error.code === 'unsupported') {
        throw new AgentError(
          'no_solution',
          `the oracle agent needs reference solutions, and environment '${context.task.env}' has none (it does not implement tasks.solve)`,
          { cause: error },
        );
      }
      throw error;
    }
    const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
    context.record({ source: 'agent', content: text, done: true, extra: { oracle: true } });
    return { answer: text, stopReason: 'done' };
  }
}
