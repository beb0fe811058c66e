import type { Agent, AgentContext, AgentResult } from '@hud/protocol';

/** The `nop` agent: does nothing and answers the empty string. Proves a grader rejects doing nothing. */
export class NopAgent implements Agent {
  readonly name = 'nop';

  async run(context: AgentContext): Promise<AgentResult> {
    context.record({ source: 'agent', content: '', done: true });
    return { answer: '', stopReason: 'done' };
  }
}
