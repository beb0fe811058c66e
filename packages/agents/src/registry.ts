import type { Agent } from './agent.js';
import { AgentError } from './errors.js';
import { NopAgent } from './nop-agent.js';
import { OracleAgent } from './oracle-agent.js';

/** Options every agent factory receives (CLI `--model`, `--max-steps`, `-c key=value`, settings). */
export interface AgentOptions {
  model?: string;
  /** Extra settings (`-c key=value`), values already parsed to bool/number/string. */
  config?: Record<string, unknown>;
  /** Settings such as API keys; the CLI passes process env merged with `.env` files. */
  settings?: Readonly<Record<string, string | undefined>>;
}

/** Builds an agent from options. */
export type AgentFactory = (options: AgentOptions) => Agent;

/** The model harnesses the agents issue adds, and the keys each will accept. */
const MODEL_AGENTS: Record<string, string[]> = {
  claude: ['ANTHROPIC_API_KEY', 'HUD_API_KEY'],
  openai: ['OPENAI_API_KEY', 'HUD_API_KEY'],
  gemini: ['GEMINI_API_KEY', 'HUD_API_KEY'],
  openai_compatible: ['OPENAI_API_KEY', 'HUD_API_KEY'],
};

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
 * @throws AgentError `missing_key` (a model agent without any of its keys: names them and suggests
 *   `oracle`), `not_available` (a model harness not built yet), `unknown_agent`.
 */
export function createAgent(name: string, options: AgentOptions = {}): Agent {
  const factory = factories.get(name);
  if (factory) return factory(options);
  const keys = MODEL_AGENTS[name];
  if (keys) {
    const settings = options.settings ?? {};
    if (!keys.some((key) => settings[key])) {
      throw new AgentError(
        'missing_key',
        `the ${name} agent needs an API key: set ${keys.join(' or ')} (in the environment, ./.env or ~/.hud/.env, or with \`hud set KEY=VALUE\`). To check your tasks offline, run them with the oracle agent.`,
      );
    }
    throw new AgentError(
      'not_available',
      `the ${name} agent is not available in this version of hud-ts yet; use oracle or nop`,
    );
  }
  throw new AgentError(
    'unknown_agent',
    `unknown agent '${name}' (known: ${agentNames().join(', ')})`,
  );
}
