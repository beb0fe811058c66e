import { describe, expect, it } from 'vitest';
import { chooseProvider } from './provider-choice.js';

const base = { runtime: 'hud', source: 'tasks.ts', prewarm: 0 };

describe('chooseProvider --runtime hud', () => {
  it('needs HUD_API_KEY, naming it', async () => {
    await expect(chooseProvider({ ...base, settings: { HUD_API_KEY: ' ' } })).rejects.toThrow(
      /--runtime hud needs HUD_API_KEY/,
    );
  });

  it('uses HUD_RUNTIME_URL, else HUD_API_URL (a self-hosted gateway), else the platform', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ HUD_API_URL: 'http://127.0.0.1:7600' }, 'http://127.0.0.1:7600'],
      [
        { HUD_API_URL: 'http://127.0.0.1:7600', HUD_RUNTIME_URL: 'https://runtime.example.com/' },
        'https://runtime.example.com',
      ],
      [{}, 'https://mcp.hud.ai'],
    ];
    for (const [urls, expected] of cases) {
      const chosen = await chooseProvider({ ...base, settings: { HUD_API_KEY: 'k', ...urls } });
      // The label and the HudRuntime are given the same runtime URL (the provider is wrapped by the
      // waiting notice, so its own fields are not visible here).
      expect(chosen.label).toBe(`hud (${expected})`);
      await chosen.close();
    }
  });

  it('lists hud among the runtimes of an unknown one', async () => {
    await expect(chooseProvider({ ...base, runtime: 'nope' })).rejects.toThrow(
      /use local, docker, docker:<image>, hud, inprocess or tcp:\/\/host:port/,
    );
  });
});
