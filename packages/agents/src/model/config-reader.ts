import { AgentError } from '../errors.js';

/**
 * Reads one harness's settings from its agent config (`-c key=value`, a task's `agent_config`; values
 * arrive parsed). A key set to `null` counts as not set. Errors are AgentError `invalid_config` naming the
 * harness, the key, the value and what was expected: `openai: -c top_p="x" is not valid; expected a number`.
 * @example
 * const read = new ConfigReader('openai', { temperature: 0.2 });
 * read.number('temperature'); // 0.2
 */
export class ConfigReader {
  /** The harness name that starts every error message (`openai`). */
  readonly harness: string;
  readonly config: Readonly<Record<string, unknown>>;

  constructor(harness: string, config: Readonly<Record<string, unknown>>) {
    this.harness = harness;
    this.config = config;
  }

  /** The error for `key` set to `value` when `expected` (e.g. `a number`) was wanted. */
  invalid(key: string, value: unknown, expected: string): AgentError {
    return new AgentError(
      'invalid_config',
      `${this.harness}: -c ${key}=${JSON.stringify(value)} is not valid; expected ${expected}`,
    );
  }

  /**
   * The first of `keys` that is set, as a finite number (`keys` after the first are aliases).
   * @throws AgentError `invalid_config` when that key holds anything else.
   */
  number(...keys: string[]): number | undefined {
    for (const key of keys) {
      const value = this.config[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw this.invalid(key, value, 'a number');
      }
      return value;
    }
    return undefined;
  }

  /**
   * The boolean at `key`, or undefined when not set.
   * @throws AgentError `invalid_config` when it holds anything else.
   */
  boolean(key: string): boolean | undefined {
    const value = this.config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.invalid(key, value, 'true or false');
    return value;
  }

  /**
   * The string at `key`, one of `allowed`, or undefined when not set.
   * @throws AgentError `invalid_config` when it holds anything else (the message lists `allowed`).
   */
  choice(key: string, allowed: ReadonlySet<string>): string | undefined {
    const value = this.config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !allowed.has(value)) {
      throw this.invalid(key, value, [...allowed].join(', '));
    }
    return value;
  }
}
