import { OracleAgent } from '@hud/agents';
import { importModule } from '@hud/environment';
import { loadTaskset } from '@hud/eval';
import type { Provider } from '@hud/protocol';
import { DaytonaRuntime } from '@hud/runtimes-daytona';
import { E2BRuntime } from '@hud/runtimes-e2b';
import { ModalRuntime } from '@hud/runtimes-modal';
import { describe, expect, it } from 'vitest';
import { SAMPLE_ENV } from './support/docker.js';

// Opt-in live lanes against the real vendors (never in CI: they need keys and the internet). Each runs the
// sample environment's tasks with the oracle on one sandbox per rollout and expects 1.0 each:
//   HUD_E2B_E2E=1 E2B_API_KEY=… HUD_E2B_TEMPLATE=<template built from the sample env image>
//   HUD_DAYTONA_E2E=1 DAYTONA_API_KEY=… HUD_DAYTONA_IMAGE=<pushed sample env image>
//   HUD_MODAL_E2E=1 MODAL_TOKEN_ID=… MODAL_TOKEN_SECRET=… HUD_MODAL_IMAGE=<pushed sample env image>

interface Lane {
  name: string;
  flag: string;
  needs: string[];
  provider: (env: NodeJS.ProcessEnv) => Provider & { close(): Promise<void> };
}

const lanes: Lane[] = [
  {
    name: 'E2B',
    flag: 'HUD_E2B_E2E',
    needs: ['E2B_API_KEY', 'HUD_E2B_TEMPLATE'],
    provider: (env) =>
      E2BRuntime({
        apiKey: env.E2B_API_KEY,
        domain: env.E2B_DOMAIN,
        template: env.HUD_E2B_TEMPLATE,
      }),
  },
  {
    name: 'Daytona',
    flag: 'HUD_DAYTONA_E2E',
    needs: ['DAYTONA_API_KEY', 'HUD_DAYTONA_IMAGE'],
    provider: (env) =>
      DaytonaRuntime({
        apiKey: env.DAYTONA_API_KEY,
        apiUrl: env.DAYTONA_API_URL,
        image: env.HUD_DAYTONA_IMAGE,
      }),
  },
  {
    name: 'Modal',
    flag: 'HUD_MODAL_E2E',
    needs: ['MODAL_TOKEN_ID', 'MODAL_TOKEN_SECRET', 'HUD_MODAL_IMAGE'],
    provider: (env) =>
      ModalRuntime({
        tokenId: env.MODAL_TOKEN_ID,
        tokenSecret: env.MODAL_TOKEN_SECRET,
        image: env.HUD_MODAL_IMAGE,
      }),
  },
];

for (const lane of lanes) {
  const missing = [lane.flag, ...lane.needs].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    process.stderr.write(
      `skipping the live ${lane.name} lane: set ${missing.join(', ')} (opt-in, needs the internet)\n`,
    );
  }
  describe.skipIf(missing.length > 0)(`live ${lane.name} (opt-in)`, () => {
    it('runs the sample env tasks with the oracle, 1.0 each, and leaves no sandbox', async () => {
      const provider = lane.provider(process.env);
      try {
        const taskset = await loadTaskset(`${SAMPLE_ENV}/tasks.ts`, { importModule });
        const job = await taskset.run({ agent: new OracleAgent(), provider, maxConcurrent: 2 });
        expect(job.errors.map((run) => run.error)).toEqual([]);
        expect(job.runs.every((run) => run.reward === 1)).toBe(true);
      } finally {
        await provider.close();
      }
      expect((provider as unknown as { sandboxes: string[] }).sandboxes).toEqual([]);
    }, 900_000);
  });
}
