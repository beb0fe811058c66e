import { afterEach, describe, expect, it, vi } from 'vitest';
import { workerAction } from './worker-action.js';

afterEach(() => vi.unstubAllEnvs());

describe('hud worker refuses bad input before it starts', () => {
  it('without HUD_API_KEY: names the variable, which key serves what, and how to get one', async () => {
    vi.stubEnv('HUD_API_KEY', '');
    vi.stubEnv('HUD_API_URL', 'http://127.0.0.1:9');
    await expect(workerAction({ runtime: 'local' })).rejects.toThrow(
      /needs HUD_API_KEY.*admin key of the gateway's first team to serve every team \(create one with hud keys create <name>, then hud set HUD_API_KEY=<key> or export it\)/,
    );
  });

  it('names a bad --runtime and --concurrency', async () => {
    await expect(workerAction({ runtime: 'podman' })).rejects.toThrow(
      "--runtime must be docker or local, got 'podman'",
    );
    await expect(workerAction({ concurrency: 'abc' })).rejects.toThrow(
      "--concurrency must be a whole number ≥ 1, got 'abc'",
    );
  });
});
