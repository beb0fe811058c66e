import type { FakeTurn } from '@hud/testing';
import { afterAll, describe, expect, it } from 'vitest';
import * as anthropic from './support/anthropic-messages.js';
import { LETTER_COUNT, readRunLines } from './support/eval-harness.js';
import { call, newAdminKey, removeTemp, startGateway } from './support/gateway-cli.js';
import {
  cleanEnv,
  cleanUpModelRuns,
  evalModel,
  fakeModel,
  modelScratch,
} from './support/model-agents.js';
import { letterCountOf } from './support/model-scripts.js';
import { expectSummary, runHud } from './support/run-hud.js';

// The LLM gateway's done-when: `hud eval … claude` with only HUD_API_KEY and HUD_API_URL set goes through
// the real gateway bin to a fake Anthropic upstream set as the team's own key (BYOK), scores 1.0, and the
// job on the gateway shows its tokens and cost.

cleanUpModelRuns();
afterAll(removeTemp);

const BYOK = 'sk-ant-team-byok-e2e-key-4321';

describe('hud eval claude through the gateway with a BYOK Anthropic key', () => {
  it('sets the key with hud keys provider, runs letter-count at 1.0, records tokens and cost', async () => {
    const adminKey = newAdminKey();
    const gateway = await startGateway(adminKey);
    try {
      const fake = await fakeModel(
        (body): FakeTurn => ({
          text: letterCountOf(anthropic.promptOf(body as anthropic.MessagesBody))?.answer ?? '0',
          usage: { inputTokens: 200, outputTokens: 10 },
        }),
      );
      const vars = { HUD_API_KEY: adminKey, HUD_API_URL: gateway.url };
      const hud = (args: string[]) =>
        runHud(args, { cwd: modelScratch('byok-cwd'), env: cleanEnv(vars), timeoutMs: 50_000 });

      const set = await hud([
        'keys',
        'provider',
        'set',
        'anthropic',
        '--api-key',
        BYOK,
        '--base-url',
        fake.url,
      ]);
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toContain("set the team's anthropic key (…4321)");
      const listed = await hud(['keys', 'provider', 'list']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/anthropic\s.*…4321/);
      for (const run of [set, listed]) expect(run.stdout + run.stderr).not.toContain(BYOK);

      // Only HUD_API_KEY and HUD_API_URL: no ANTHROPIC_API_KEY, no HUD_GATEWAY_URL.
      const { run, store, jobId } = await evalModel('claude', LETTER_COUNT, ['--all'], {
        env: vars,
        timeoutMs: 100_000,
      });
      expectSummary(run, /reward 1\.000 over \d+ graded runs/);
      const runs = readRunLines(store, jobId);
      expect(runs.length).toBeGreaterThan(1);
      expect(fake.requests.length).toBeGreaterThanOrEqual(runs.length);
      for (const request of fake.requests) expect(request.headers['x-api-key']).toBe(BYOK);

      const job = (await call(gateway.url, adminKey, 'GET', `/v2/jobs/${jobId}`)).body as Record<
        string,
        unknown
      >;
      expect(job).toMatchObject({
        id: jobId,
        input_tokens: 200 * fake.requests.length,
        output_tokens: 10 * fake.requests.length,
        unpriced_requests: 0,
      });
      // claude's default model is priced in @hud/agents: the cost is known and positive.
      expect(job.cost_usd).toBeGreaterThan(0);
      const shown = await hud(['jobs', jobId]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain(
        `tokens ${200 * fake.requests.length} in / ${10 * fake.requests.length} out, cost $`,
      );

      const removed = await hud(['keys', 'provider', 'remove', 'anthropic']);
      expect(removed.code, removed.stderr).toBe(0);
      expect((await hud(['keys', 'provider', 'list'])).stdout).toContain('no provider keys');
      expect(gateway.stdout() + gateway.stderr()).not.toContain(BYOK);
    } finally {
      await gateway.stop();
    }
  }, 180_000);
});
