/** One model of the gateway's built-in catalog. */
export interface CatalogModel {
  /** The name agents and `hud eval` match (with `model_name` and the id, spec §7.3). */
  name: string;
  /** How people call it. */
  display_name: string;
  /** The model id sent to the provider. */
  model_name: string;
  /** hud-python builds an Anthropic client for `anthropic`, a Gemini client for `gemini`, else OpenAI. */
  provider: string;
  /** The hud agent that drives it (`claude`, `openai`, `gemini`, `openai_compatible`). */
  sdk_agent_type: string;
  is_trainable: boolean;
}

/**
 * The catalog every gateway starts with: the presets of hud-python 0.6.16's `hud eval` picker (spec
 * §9.4) — Claude Sonnet 4.6 and Opus 4.8, GPT-5.6 and 5.5, Gemini 3.1 Pro Preview, and through the
 * OpenAI-compatible route Grok 4-1 Fast, GLM 5.2, Kimi K2.6 and MiniMax M3. Names are the aliases hud-python
 * normalises to (spec §7.3). None is trainable: a team forks one to train it.
 */
export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    name: 'claude-sonnet-4-6',
    display_name: 'Claude Sonnet 4.6',
    model_name: 'claude-sonnet-4-6',
    provider: 'anthropic',
    sdk_agent_type: 'claude',
    is_trainable: false,
  },
  {
    name: 'claude-opus-4-8',
    display_name: 'Claude Opus 4.8',
    model_name: 'claude-opus-4-8',
    provider: 'anthropic',
    sdk_agent_type: 'claude',
    is_trainable: false,
  },
  {
    name: 'gpt-5.6',
    display_name: 'GPT-5.6',
    model_name: 'gpt-5.6',
    provider: 'openai',
    sdk_agent_type: 'openai',
    is_trainable: false,
  },
  {
    name: 'gpt-5.5',
    display_name: 'GPT-5.5',
    model_name: 'gpt-5.5',
    provider: 'openai',
    sdk_agent_type: 'openai',
    is_trainable: false,
  },
  {
    name: 'gemini-3.1-pro-preview',
    display_name: 'Gemini 3.1 Pro Preview',
    model_name: 'gemini-3.1-pro-preview',
    provider: 'gemini',
    sdk_agent_type: 'gemini',
    is_trainable: false,
  },
  {
    name: 'grok-4-1-fast',
    display_name: 'Grok 4-1 Fast',
    model_name: 'grok-4-1-fast',
    provider: 'xai',
    sdk_agent_type: 'openai_compatible',
    is_trainable: false,
  },
  {
    name: 'glm-5.2',
    display_name: 'GLM 5.2',
    model_name: 'z-ai/glm-5.2',
    provider: 'z-ai',
    sdk_agent_type: 'openai_compatible',
    is_trainable: false,
  },
  {
    name: 'kimi-k2.6',
    display_name: 'Kimi K2.6',
    model_name: 'moonshotai/kimi-k2.6',
    provider: 'moonshotai',
    sdk_agent_type: 'openai_compatible',
    is_trainable: false,
  },
  {
    name: 'minimax-m3',
    display_name: 'MiniMax M3',
    model_name: 'MiniMax-M3',
    provider: 'minimax',
    sdk_agent_type: 'openai_compatible',
    is_trainable: false,
  },
];
