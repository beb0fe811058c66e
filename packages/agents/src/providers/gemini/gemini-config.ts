import type { GenerateContentConfig, ThinkingConfig, ThinkingLevel } from '@google/genai';
import type { ConversationInit } from '../../model/adapter.js';
import { ConfigReader } from '../../model/config-reader.js';
import { GEMINI_COMPUTER_FUNCTIONS } from './gemini-computer.js';
import { DEFAULT_SCREENSHOT_TURNS } from './gemini-contents.js';
import { geminiSpec } from './gemini-spec.js';
import { type ComputerUseMode, type GeminiToolParams, geminiToolParams } from './gemini-tools.js';

/**
 * hud-python's `GeminiConfig` defaults (spec §7.2): `temperature` 1.0, `top_p` 0.95, `top_k` 40,
 * `max_output_tokens` 8192.
 */
export const GEMINI_DEFAULTS = {
  temperature: 1.0,
  top_p: 0.95,
  top_k: 40,
  max_output_tokens: 8192,
} as const;

/**
 * The settings the adapter reads from `-c key=value` / a task's `agent_config` (other keys belong to the
 * loop). A `null` drops a sampling setting from the request (the model's own default applies).
 */
export interface GeminiConfig {
  /** Default 1.0. */
  temperature?: number | null;
  /** Default 0.95. */
  top_p?: number | null;
  /** Default 40. */
  top_k?: number | null;
  /** Default 8192 (alias `max_tokens`). */
  max_output_tokens?: number | null;
  /** `thinkingConfig.thinkingLevel` (`minimal`, `low`, `medium`, `high`). */
  thinking_level?: string;
  /** `thinkingConfig.thinkingBudget` in tokens (older 2.5 models). */
  thinking_budget?: number;
  /** `thinkingConfig.includeThoughts` (default true): thought summaries become the step's reasoning. */
  include_thoughts?: boolean;
  /** Predefined computer-use functions the model may not call (a list, or comma-separated). */
  excluded_predefined_functions?: string[] | string;
  /** `native` (default: Gemini's `computerUse` tool) or `functions` (declared, for models without it). */
  computer_use?: ComputerUseMode;
  /** Tool-result turns whose screenshots are kept (default 3, hud-python `GEMINI_MAX_RECENT_TURN_WITH_SCREENSHOTS`). */
  max_recent_turn_with_screenshots?: number;
  /** Add Google Search grounding (hud-python `citations_enabled`). */
  citations_enabled?: boolean;
  /** Limit of one request, seconds (default 600). */
  request_timeout_seconds?: number;
}

const THINKING_LEVELS = new Set(['minimal', 'low', 'medium', 'high']);
const COMPUTER_USE_MODES = new Set<ComputerUseMode>(['native', 'functions']);

/** A number setting: its value, `null` when set to null (omit it), undefined when not set. */
function numberSetting(
  read: ConfigReader,
  keys: readonly string[],
  check: (value: number) => boolean,
  expected: string,
): number | null | undefined {
  for (const key of keys) {
    const value = read.config[key];
    if (value === undefined) continue;
    if (value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
      throw read.invalid(key, value, expected);
    }
    return value;
  }
  return undefined;
}

function excludedFunctions(read: ConfigReader): string[] {
  const value = read.config.excluded_predefined_functions;
  if (value === undefined || value === null) return [];
  const list =
    typeof value === 'string'
      ? value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : value;
  const known = new Set<string>(GEMINI_COMPUTER_FUNCTIONS);
  if (!Array.isArray(list) || list.some((name) => typeof name !== 'string' || !known.has(name))) {
    throw read.invalid(
      'excluded_predefined_functions',
      value,
      `names among ${GEMINI_COMPUTER_FUNCTIONS.join(', ')}`,
    );
  }
  return list as string[];
}

/** What one conversation sends besides its contents, read once from its config. */
export interface GeminiRequestSettings {
  config: GenerateContentConfig;
  keepScreenshotTurns: number;
  timeoutMs: number;
  tools: GeminiToolParams;
}

/**
 * Reads a conversation's request settings from its config (see {@link GeminiConfig}).
 * @throws AgentError `invalid_config` for a setting of the wrong type or an unknown choice.
 */
export function geminiRequestSettings(init: ConversationInit): GeminiRequestSettings {
  const { config } = init;
  const read = new ConfigReader(geminiSpec.name, config);
  const request: GenerateContentConfig = {};
  const sampling = [
    ['temperature', ['temperature'], (value: number) => value >= 0, 'a number ≥ 0'],
    ['topP', ['top_p'], (value: number) => value >= 0 && value <= 1, 'a number in [0, 1]'],
    [
      'topK',
      ['top_k'],
      (value: number) => Number.isInteger(value) && value >= 1,
      'a whole number ≥ 1',
    ],
    [
      'maxOutputTokens',
      ['max_output_tokens', 'max_tokens'],
      (value: number) => Number.isInteger(value) && value >= 1,
      'a whole number ≥ 1',
    ],
  ] as const;
  const defaults = [
    GEMINI_DEFAULTS.temperature,
    GEMINI_DEFAULTS.top_p,
    GEMINI_DEFAULTS.top_k,
    GEMINI_DEFAULTS.max_output_tokens,
  ];
  sampling.forEach(([field, keys, check, expected], index) => {
    const value = numberSetting(read, keys, check, expected);
    if (value !== null) request[field] = value ?? defaults[index];
  });

  const thinking: ThinkingConfig = {};
  const level = config.thinking_level;
  if (level !== undefined && level !== null) {
    if (typeof level !== 'string' || !THINKING_LEVELS.has(level.toLowerCase())) {
      throw read.invalid('thinking_level', level, [...THINKING_LEVELS].join(', '));
    }
    thinking.thinkingLevel = level.toUpperCase() as ThinkingLevel;
  }
  const budget = numberSetting(read, ['thinking_budget'], Number.isInteger, 'a whole number');
  if (typeof budget === 'number') thinking.thinkingBudget = budget;
  const includeThoughts = read.boolean('include_thoughts') ?? true;
  if (includeThoughts) thinking.includeThoughts = true;
  if (Object.keys(thinking).length > 0) request.thinkingConfig = thinking;

  if (init.system) request.systemInstruction = init.system;

  const mode = config.computer_use ?? 'native';
  if (!COMPUTER_USE_MODES.has(mode as ComputerUseMode)) {
    throw read.invalid('computer_use', mode, 'native or functions');
  }
  const tools = geminiToolParams(init.tools, {
    computerUse: mode as ComputerUseMode,
    excludedFunctions: excludedFunctions(read),
    googleSearch: read.boolean('citations_enabled') ?? false,
  });
  if (tools.tools.length > 0) request.tools = tools.tools;

  const keep = numberSetting(
    read,
    ['max_recent_turn_with_screenshots'],
    (value) => Number.isInteger(value) && value >= 0,
    'a whole number ≥ 0',
  );
  const timeout = numberSetting(
    read,
    ['request_timeout_seconds'],
    (value) => value > 0,
    'a number of seconds > 0',
  );
  return {
    config: request,
    keepScreenshotTurns: keep ?? DEFAULT_SCREENSHOT_TURNS,
    timeoutMs: (timeout ?? 600) * 1000,
    tools,
  };
}
