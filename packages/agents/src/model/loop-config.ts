import type { StopReason } from '@hud/protocol';
import { AgentError } from '../errors.js';
import { DEFAULT_MAX_CONCURRENT_REQUESTS } from './request-limits.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

/** Default per-tool time limit, seconds (hud-python `ClaudeConfig.tool_timeout_seconds`). */
export const DEFAULT_TOOL_TIMEOUT_SECONDS = 120;

/** Stop conditions `-c stop_on=…` may name (hud-python `AgentConfig.stop_on`). */
export type StopCondition = Extract<StopReason, 'length' | 'malformed_tool_call'>;

/** The tool loop's own settings, read from the agent config (`-c key=value`, the task's `agent_config`). */
export interface LoopConfig {
  /** `system_prompt`. */
  systemPrompt: string | undefined;
  /** `tool_timeout_seconds` (default 120), in ms. */
  toolTimeoutMs: number;
  /** `auto_respond` (default false). */
  autoRespond: boolean;
  /** `stop_on`: a list or a comma-separated string of `length`, `malformed_tool_call`. */
  stopOn: ReadonlySet<StopCondition>;
  /** `max_concurrent_requests` per provider endpoint (default 8). */
  maxConcurrentRequests: number;
  /** `max_retries` (default 6) and `retry_delay_seconds` (first backoff, default 1). */
  retry: RetryPolicy;
}

const STOP_CONDITIONS: readonly StopCondition[] = ['length', 'malformed_tool_call'];

function invalid(message: string): never {
  throw new AgentError('invalid_config', message);
}

function positive(config: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !(value > 0)) invalid(`${key} must be a positive number`);
  return value;
}

function whole(config: Readonly<Record<string, unknown>>, key: string, minimum: number) {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    invalid(`${key} must be a whole number ≥ ${minimum}`);
  }
  return value;
}

/**
 * Reads the loop settings from an agent config.
 * @throws AgentError `invalid_config` naming a bad value.
 */
export function loopConfig(config: Readonly<Record<string, unknown>>): LoopConfig {
  const stopOnValue = config.stop_on ?? [];
  const stopOnList =
    typeof stopOnValue === 'string'
      ? stopOnValue.split(',').map((part) => part.trim())
      : Array.isArray(stopOnValue)
        ? stopOnValue
        : invalid('stop_on must be a list or a comma-separated string');
  const stopOn = new Set<StopCondition>();
  for (const condition of stopOnList) {
    if (condition === '') continue;
    if (!STOP_CONDITIONS.includes(condition as StopCondition)) {
      invalid(`stop_on: unknown condition '${condition}' (known: ${STOP_CONDITIONS.join(', ')})`);
    }
    stopOn.add(condition as StopCondition);
  }
  const system = config.system_prompt;
  if (system !== undefined && system !== null && typeof system !== 'string') {
    invalid('system_prompt must be a string');
  }
  const delaySeconds = positive(config, 'retry_delay_seconds');
  return {
    systemPrompt: typeof system === 'string' && system !== '' ? system : undefined,
    toolTimeoutMs:
      (positive(config, 'tool_timeout_seconds') ?? DEFAULT_TOOL_TIMEOUT_SECONDS) * 1000,
    autoRespond: config.auto_respond === true,
    stopOn,
    maxConcurrentRequests:
      whole(config, 'max_concurrent_requests', 1) ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
    retry: {
      ...DEFAULT_RETRY_POLICY,
      retries: whole(config, 'max_retries', 0) ?? DEFAULT_RETRY_POLICY.retries,
      minDelayMs:
        delaySeconds === undefined ? DEFAULT_RETRY_POLICY.minDelayMs : delaySeconds * 1000,
    },
  };
}
