import { codedError } from '@hud/protocol';

/** String codes of agent failures. */
export type AgentErrorCode =
  | 'unknown_agent'
  | 'not_available'
  | 'missing_key'
  | 'no_solution'
  | 'invalid_config';

/** A local failure to create or run an agent, with a string `code`. */
export class AgentError extends codedError<AgentErrorCode>('AgentError', 'hud.agent-error') {}
