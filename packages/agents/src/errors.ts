/** String codes of agent failures. */
export type AgentErrorCode =
  | 'unknown_agent'
  | 'not_available'
  | 'missing_key'
  | 'no_solution'
  | 'invalid_config';

const BRAND = Symbol.for('hud.agent-error');

/** A local failure to create or run an agent, with a string `code`. */
export class AgentError extends Error {
  /** True for any AgentError, including copies from another install of this package. */
  static isInstance(value: unknown): value is AgentError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }
  readonly [BRAND] = true;
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}
