import { describe, expect, it } from 'vitest';
import { ClaudeAdapter } from './claude/claude-adapter.js';
import { GeminiAdapter } from './gemini/gemini-adapter.js';
import { OpenAIResponsesAdapter } from './openai/responses-adapter.js';
import { OpenAICompatibleAdapter } from './openai-compatible/chat-adapter.js';

describe('model harness identity', () => {
  it('describes each model agent: default model (hud-python 0.6.16), keys, tool protocols in order', () => {
    const adapters = [
      new ClaudeAdapter(),
      new GeminiAdapter(),
      new OpenAIResponsesAdapter(),
      new OpenAICompatibleAdapter(),
    ];
    const described = Object.fromEntries(
      adapters.map((adapter) => [
        adapter.name,
        [
          adapter.defaultModel,
          adapter.keyNames.join(' '),
          adapter.toolProviders.map((provider) => provider.protocol).join(' '),
        ],
      ]),
    );
    // Name → [default model, keys, tools]; openai_compatible: OpenCode-style ssh tools, then MCP tools.
    expect(described).toEqual({
      claude: ['claude-sonnet-4-6', 'ANTHROPIC_API_KEY', 'ssh rfb mcp cdp'],
      gemini: ['gemini-3-pro-preview', 'GEMINI_API_KEY', 'ssh rfb mcp cdp'],
      openai: ['gpt-5.6', 'OPENAI_API_KEY', 'ssh rfb cdp mcp'],
      openai_compatible: ['gpt-5.4-mini', 'OPENAI_COMPATIBLE_API_KEY OPENAI_API_KEY', 'ssh mcp'],
    });
  });
});
