import { describe, expect, it } from 'vitest';
import { mergeAgentConfig, parseConfigPairs } from './config-values.js';

describe('parseConfigPairs (-c key=value, hud-python value parsing)', () => {
  it('parses booleans, integers, floats and strings', () => {
    expect(
      parseConfigPairs(['a=true', 'b=False', 'c=42', 'd=-1.5e3', 'e=claude-sonnet', 'f=1.2.3']),
    ).toEqual({
      a: true,
      b: false,
      c: 42,
      d: -1500,
      e: 'claude-sonnet',
      f: '1.2.3',
    });
  });

  it('nests dotted keys and keeps = in values', () => {
    expect(parseConfigPairs(['claude.max_tokens=100', 'claude.system=a=b'])).toEqual({
      claude: { max_tokens: 100, system: 'a=b' },
    });
  });

  it('names a pair without =', () => {
    expect(() => parseConfigPairs(['oops'])).toThrow("-c expects key=value, got 'oops'");
  });
});

describe('mergeAgentConfig', () => {
  it('layers the toml section, auto_respond and -c pairs, flattening -c <agent>.key', () => {
    expect(
      mergeAgentConfig({
        agent: 'claude',
        section: { model: 'claude-haiku-4-5', max_tokens: 100, temperature: 0.5 },
        autoRespond: true,
        pairs: parseConfigPairs(['max_tokens=200', 'claude.temperature=0.1', 'openai.seed=1']),
      }),
    ).toEqual({ max_tokens: 200, temperature: 0.1, auto_respond: true, openai: { seed: 1 } });
  });
});
