import { startFakeProvider } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envWithoutNodePath, jobIdOf, LETTER_COUNT } from './support/eval-harness.js';
import {
  call,
  type GatewayProcess,
  newAdminKey,
  removeTemp,
  startGateway,
  tempDir,
} from './support/gateway-cli.js';
import { runHud } from './support/run-hud.js';

// `hud qa` against the real gateway bin: a job uploaded by `hud eval`, reviewed by `hud qa run` (which
// reviews its own pending results) and by `hud qa worker --once` (results started with --no-wait).

const key = newAdminKey();
let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await startGateway(key);
});
afterAll(async () => {
  await gateway?.stop();
  removeTemp();
});

/** The CLI's environment: the gateway's key and URL, no other HUD_ settings, the claude judge at `judge`. */
function env(home: string, judge: string): NodeJS.ProcessEnv {
  const base = envWithoutNodePath();
  for (const name of Object.keys(base)) if (name.startsWith('HUD_')) delete base[name];
  return {
    ...base,
    HOME: home,
    HUD_API_URL: gateway.url,
    HUD_API_KEY: key,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: judge,
  };
}

describe('hud qa on the gateway', () => {
  it('run-resources, reviewed by hud qa run and by hud qa worker; verdicts per job and per trace', async () => {
    await using judge = await startFakeProvider({
      handler: (body) => {
        const trace = (body as { messages: { content: string }[] }).messages[0]?.content ?? '';
        const flag = trace.includes('raspberry');
        return {
          text: JSON.stringify({
            verdict: flag ? 'flagged' : 'passed',
            category: flag ? 'lenient-grader' : null,
            confidence: 0.6,
            evidence: [],
            explanation: flag ? 'Suspicious.' : 'Fine.',
          }),
        };
      },
    });
    const home = tempDir('qa-home');
    const childEnv = env(home, judge.url);
    const evaluated = await runHud(
      ['eval', LETTER_COUNT, 'oracle', '--all', '--store', `${home}/store`],
      { env: childEnv, cwd: home, timeoutMs: 90_000 },
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const jobId = jobIdOf(evaluated.stdout);

    const run = await runHud(['qa', 'run', 'false-positive', jobId, '--json'], {
      env: childEnv,
      cwd: home,
      timeoutMs: 60_000,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1); // one flagged
    const { results } = JSON.parse(run.stdout) as { results: Record<string, unknown>[] };
    expect(results.map((result) => result.verdict).sort()).toEqual(['flagged', 'passed', 'passed']);
    expect(new Set(results.map((result) => result.status))).toEqual(new Set(['completed']));
    // The judge read the trace's steps from the gateway's spans.
    const first = judge.bodiesFor('anthropic-messages')[0] as { messages: { content: string }[] };
    expect(first.messages[0]?.content).toMatch(/### step \d+ \(agent\)/);

    const flagged = results.find((result) => result.verdict === 'flagged');
    const perTrace = await call(
      gateway.url,
      key,
      'GET',
      `/v2/trace/${String(flagged?.subject_id)}/qa`,
    );
    expect(perTrace.body).toEqual({
      items: [
        expect.objectContaining({ qa_agent_id: 'false-positive', category: 'lenient-grader' }),
      ],
    });
    const listed = await runHud(['qa', 'results', 'job', jobId], { env: childEnv, cwd: home });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('2 passed, 1 flagged, 0 errors, 0 pending');

    // --no-wait leaves the reviews pending; a worker completes them.
    const started = await runHud(['qa', 'run', 'failure-analysis', jobId, '--no-wait', '--json'], {
      env: childEnv,
      cwd: home,
    });
    const pending = JSON.parse(started.stdout) as { results: { status: string }[] };
    expect(pending.results.map((result) => result.status)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    const worker = await runHud(['qa', 'worker', '--once'], {
      env: childEnv,
      cwd: home,
      timeoutMs: 60_000,
    });
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stderr).toContain('reviewed 3 traces');
    const perJob = await call(gateway.url, key, 'GET', `/v2/jobs/${jobId}/qa`);
    const items = (perJob.body as { items: { qa_agent_id: string; status: string }[] }).items;
    expect(
      items.filter(
        (item) => item.qa_agent_id === 'failure-analysis' && item.status === 'completed',
      ),
    ).toHaveLength(3);
  });
});
