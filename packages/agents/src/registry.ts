import type { Agent, HudLogger } from '@hud/protocol';
import { AgentError } from './errors.js';
import type { ModelAdapter } from './model/adapter.js';
import type { Budget } from './model/budget.js';
import type { ModelAgentSpec } from './model/harness.js';
import type { RequestLimits } from './model/request-limits.js';
import { ToolLoopAgent } from './model/tool-loop-agent.js';
import { NopAgent } from './nop-agent.js';
import { OracleAgent } from './oracle-agent.js';
import { BUILT_IN_HARNESSES } from './providers/specs.js';

/** Options every agent factory receives (CLI `--model`, `--max-steps`, `-c key=value`, settings). */
export interface AgentOptions {
  model?: string;
  /** Extra settings (`-c key=value`), values already parsed to bool/number/string. */
  config?: Record<string, unknown>;
  /** Settings such as API keys; the CLI passes process env merged with `.env` files. */
  settings?: Readonly<Record<string, string | undefined>>;
  /** A job budget model agents add their usage to (`--max-cost`, `--max-tokens`). */
  budget?: Budget;
  /** Concurrency limits on model requests (default: one process-wide set). */
  requestLimits?: RequestLimits;
  /** Diagnostics (retries, auto-respond notes); libraries never print. */
  logger?: HudLogger;
}

/** Builds an agent from options. */
export type AgentFactory = (options: AgentOptions) => Agent;

/**
 * What hud-ts knows about a model agent before its harness loads: its keys and default model (and, for
 * built-in harnesses, whether it allows keyless servers and its prices). Its source is the harness's
 * {@link ModelAgentSpec}.
 */
export type ModelAgentInfo = Omit<ModelAgentSpec, 'name' | 'load'>;

/** A harness module: exports its {@link ModelAdapter} as `adapter` (or is one). */
export type AdapterModule = { adapter: ModelAdapter } | ModelAdapter;

const harnesses = new Map<string, ModelAgentSpec>(
  BUILT_IN_HARNESSES.map((spec) => [spec.name, spec]),
);

/**
 * Registers the harness of model agent `name`, loaded on first use, so `createAgent(name)` returns a
 * {@link ToolLoopAgent} driving it. `info` adds or overrides what the registry knows of it (for a new name
 * without `info`: no keys, default model `unknown`).
 * @example
 * registerModelAdapter('my_llm', () => import('./my-llm-harness.js'), {
 *   keyNames: ['MY_LLM_API_KEY'],
 *   defaultModel: 'my-llm-1',
 * });
 */
export function registerModelAdapter(
  name: string,
  load: () => Promise<AdapterModule>,
  info: Partial<ModelAgentInfo> = {},
): void {
  const given = Object.entries(info).filter(([, value]) => value !== undefined);
  harnesses.set(name, {
    keyNames: [],
    defaultModel: 'unknown',
    ...harnesses.get(name),
    ...Object.fromEntries(given),
    name,
    load: async () => {
      const loaded = await load();
      return 'start' in loaded ? loaded : loaded.adapter;
    },
  });
}

/** What the registry knows of model agent `name` (its spec), or undefined for other agents. */
export function modelAgentInfo(name: string): ModelAgentSpec | undefined {
  return harnesses.get(name);
}

const factories = new Map<string, AgentFactory>([
  ['oracle', () => new OracleAgent()],
  ['nop', () => new NopAgent()],
]);

/** Adds (or replaces) an agent under `name` so `createAgent(name)` and `hud eval … <name>` find it. */
export function registerAgent(name: string, factory: AgentFactory): void {
  factories.set(name, factory);
}

/** Every name `createAgent` knows, built-in and announced. */
export function agentNames(): string[] {
  return [...new Set([...factories.keys(), ...harnesses.keys()])];
}

/**
 * Creates the agent registered as `name` (hud-python `create_agent`).
 * Model agents (`claude`, …) are {@link ToolLoopAgent}s over their registered harness, which loads on the
 * first run.
 * @throws AgentError `missing_key` (a model agent without any of its keys: names them and suggests
 *   `oracle`), `invalid_config`, `unknown_agent`.
 */
export function createAgent(name: string, options: AgentOptions = {}): Agent {
  const factory = factories.get(name);
  if (factory) return factory(options);
  const spec = harnesses.get(name);
  if (spec) return new ToolLoopAgent(spec, options);
  throw new AgentError(
    'unknown_agent',
    `unknown agent '${name}' (known: ${agentNames().join(', ')})`,
  );
}
