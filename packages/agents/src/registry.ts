import type { HudLogger } from '@hud/protocol';
import type { Agent } from './agent.js';
import { AgentError } from './errors.js';
import type { ModelAdapter } from './model/adapter.js';
import type { Budget } from './model/budget.js';
import type { RequestLimits } from './model/request-limits.js';
import { missingKeyMessage, ToolLoopAgent } from './model/tool-loop-agent.js';
import { NopAgent } from './nop-agent.js';
import { OracleAgent } from './oracle-agent.js';

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

/** What hud-ts knows about each model agent before its harness loads: its keys and default model. */
export interface ModelAgentInfo {
  /** Settings holding the provider key, in preference order (`HUD_API_KEY`, the gateway, comes last). */
  keyNames: readonly string[];
  /** The model used without `--model` (hud-python's config defaults, spec §7.2). */
  defaultModel: string;
}

const MODEL_AGENTS: Record<string, ModelAgentInfo> = {
  claude: { keyNames: ['ANTHROPIC_API_KEY'], defaultModel: 'claude-sonnet-4-6' },
  openai: { keyNames: ['OPENAI_API_KEY'], defaultModel: 'gpt-5.6' },
  gemini: { keyNames: ['GEMINI_API_KEY'], defaultModel: 'gemini-3-pro-preview' },
  openai_compatible: {
    keyNames: ['OPENAI_COMPATIBLE_API_KEY', 'OPENAI_API_KEY'],
    defaultModel: 'gpt-5.4-mini',
  },
};

/** A harness module: exports its {@link ModelAdapter} as `adapter` (or is one). */
export type AdapterModule = { adapter: ModelAdapter } | ModelAdapter;

const adapterLoaders = new Map<string, () => Promise<AdapterModule>>();

/**
 * Registers the harness of model agent `name`, loaded on first use, so `createAgent(name)` returns a
 * {@link ToolLoopAgent} driving it. `info` adds or overrides the agent's keys and default model.
 * @example
 * registerModelAdapter('claude', () => import('./providers/claude/index.js'));
 */
export function registerModelAdapter(
  name: string,
  load: () => Promise<AdapterModule>,
  info?: Partial<ModelAgentInfo>,
): void {
  const known = MODEL_AGENTS[name];
  if (info || !known) {
    MODEL_AGENTS[name] = {
      keyNames: info?.keyNames ?? known?.keyNames ?? [],
      defaultModel: info?.defaultModel ?? known?.defaultModel ?? 'unknown',
    };
  }
  adapterLoaders.set(name, load);
}

registerModelAdapter('claude', () => import('./providers/claude/index.js'));
registerModelAdapter('openai', () => import('./providers/openai/index.js'));
registerModelAdapter('gemini', () => import('./providers/gemini/index.js'));
registerModelAdapter('openai_compatible', () => import('./providers/openai-compatible/index.js'));

/** The keys and default model of model agent `name`, or undefined for other agents. */
export function modelAgentInfo(name: string): ModelAgentInfo | undefined {
  return MODEL_AGENTS[name];
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
  return [...new Set([...factories.keys(), ...Object.keys(MODEL_AGENTS)])];
}

/**
 * Creates the agent registered as `name` (hud-python `create_agent`).
 * Model agents (`claude`, …) are {@link ToolLoopAgent}s over their registered harness, which loads on the
 * first run.
 * @throws AgentError `missing_key` (a model agent without any of its keys: names them and suggests
 *   `oracle`), `not_available` (a model harness not built yet), `invalid_config`, `unknown_agent`.
 */
export function createAgent(name: string, options: AgentOptions = {}): Agent {
  const factory = factories.get(name);
  if (factory) return factory(options);
  const info = MODEL_AGENTS[name];
  if (info) {
    const load = adapterLoaders.get(name);
    if (!load) {
      const settings = options.settings ?? {};
      if (![...info.keyNames, 'HUD_API_KEY'].some((key) => settings[key])) {
        throw new AgentError('missing_key', missingKeyMessage(name, info.keyNames));
      }
      throw new AgentError(
        'not_available',
        `the ${name} agent is not available in this version of hud-ts yet; use oracle or nop`,
      );
    }
    return new ToolLoopAgent(
      {
        name,
        ...info,
        load: async () => {
          const loaded = await load();
          return 'start' in loaded ? loaded : loaded.adapter;
        },
      },
      options,
    );
  }
  throw new AgentError(
    'unknown_agent',
    `unknown agent '${name}' (known: ${agentNames().join(', ')})`,
  );
}
