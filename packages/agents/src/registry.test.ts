import { describe, expect, it } from 'vitest';
import { AgentError } from './errors.js';
import type { ModelAdapter } from './model/adapter.js';
import { ToolLoopAgent } from './model/tool-loop-agent.js';
import {
  agentNames,
  createAgent,
  modelAgentInfo,
  registerAgent,
  registerModelAdapter,
} from './registry.js';

// The oracle and nop agents against a served environment are tested in
// packages/e2e/src/agents-tools/oracle-nop.test.ts.

describe('createAgent', () => {
  it('builds the built-in agents', () => {
    expect(createAgent('oracle').name).toBe('oracle');
    expect(createAgent('nop').name).toBe('nop');
  });

  it('names the keys a model agent needs and suggests oracle when none is set', () => {
    let error: unknown;
    try {
      createAgent('claude', { settings: {} });
    } catch (caught) {
      error = caught;
    }
    expect(AgentError.isInstance(error) && error.code).toBe('missing_key');
    expect((error as Error).message).toMatch(/ANTHROPIC_API_KEY or HUD_API_KEY.*oracle/);
  });

  it('builds a model agent once its key is set (every model harness is registered)', () => {
    const agent = createAgent('gemini', { settings: { GEMINI_API_KEY: 'k' } });
    expect(agent).toBeInstanceOf(ToolLoopAgent);
    expect(agent.name).toBe('gemini');
  });

  it('loads each model harness with the name, default model and keys its spec states', async () => {
    const keyless: Record<string, boolean> = {};
    for (const name of ['claude', 'openai', 'gemini', 'openai_compatible']) {
      const spec = modelAgentInfo(name);
      const agent = createAgent(name, { settings: { HUD_API_KEY: 'h' } }) as ToolLoopAgent;
      const adapter = await agent.adapter();
      expect(agent.model).toBe(spec?.defaultModel);
      expect([adapter.name, adapter.defaultModel, adapter.keyNames]).toEqual([
        name,
        spec?.defaultModel,
        spec?.keyNames,
      ]);
      keyless[name] = adapter.keyless === true;
    }
    expect(keyless).toEqual({
      claude: false,
      openai: false,
      gemini: false,
      openai_compatible: true,
    });
  });

  it('registers a model harness with its keys, default model and keyless servers', () => {
    const adapter: ModelAdapter = {
      name: 'local_llm',
      defaultModel: 'local-1',
      keyNames: ['LOCAL_LLM_API_KEY'],
      toolProviders: [],
      start: () => {
        throw new Error('not called');
      },
      classifyError: () => ({ status: undefined, retryable: false, retryAfterMs: undefined }),
    };
    registerModelAdapter('local_llm', async () => ({ adapter }), {
      keyNames: ['LOCAL_LLM_API_KEY'],
      defaultModel: 'local-1',
      keyless: true,
    });
    const agent = createAgent('local_llm', {
      settings: {},
      config: { base_url: 'http://127.0.0.1:9/v1' },
    });
    expect(agent.model).toBe('local-1');
    expect(() => createAgent('local_llm', { settings: {} })).toThrow(
      /LOCAL_LLM_API_KEY or HUD_API_KEY/,
    );
  });

  it('refuses unknown names and lists the known ones', () => {
    expect(() => createAgent('nope')).toThrow(/unknown agent 'nope' \(known: oracle, nop, claude/);
  });

  it('finds registered agents', () => {
    registerAgent('echo', () => ({
      name: 'echo',
      run: async (context) => ({ answer: context.promptText }),
    }));
    expect(createAgent('echo').name).toBe('echo');
    expect(agentNames()).toContain('echo');
  });
});
