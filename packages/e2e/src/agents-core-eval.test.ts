import { type FakeTurn, type ProviderRoute, startFakeProvider } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import * as anthropic from './support/anthropic-messages.js';
import { LETTER_COUNT, readRunLines, readTraceSteps } from './support/eval-harness.js';
import {
  cleanEnv,
  cleanUpModelRuns,
  evalClaude,
  fakeModel,
  modelScratch,
} from './support/model-agents.js';
import { letterCountOf } from './support/model-scripts.js';
import { expectSummary, runHud } from './support/run-hud.js';

// The provider-neutral tool loop through `hud eval` (driven by the claude harness against the fake
// Anthropic API): rate limits, malformed tool calls, step and time limits, job budgets, missing keys.

/** The right answer to a letter-count prompt. */
const letterCount = (body: anthropic.MessagesBody): string =>
  letterCountOf(anthropic.promptOf(body))?.answer ?? '0';

cleanUpModelRuns();

describe('the tool loop through hud eval', () => {
  it('survives a 429 storm with retry-after: no run lost', async () => {
    let limited = 0;
    const fake = await fakeModel((body): FakeTurn => {
      if (limited < 6) {
        limited++;
        return { status: 429, headers: { 'retry-after': '0' }, message: 'rate limited' };
      }
      return { text: letterCount(body) };
    });
    const { run, store, jobId } = await evalClaude(fake, LETTER_COUNT, [
      '--all',
      '--group',
      '2',
      '-c',
      'retry_delay_seconds=0.01',
    ]);
    expectSummary(run, /reward 1\.000 over 6 graded runs/);
    expect(fake.requests.length).toBe(12);
    const runs = readRunLines(store, jobId);
    expect(runs.map((record) => record.error)).toEqual(Array(6).fill(null));
  });

  it('recovers from a malformed tool call: a corrective error, then the answer', async () => {
    const fake = await fakeModel(
      (body): FakeTurn =>
        anthropic.turnOf(body) === 0
          ? { toolCalls: [{ id: 'toolu_bad', name: 'bash', arguments: '{"command": "echo' }] }
          : { text: letterCount(body) },
    );
    const { run, store, jobId } = await evalClaude(fake, LETTER_COUNT);
    expectSummary(run, /reward 1\.000 over 1 graded run/);
    const second = fake.bodiesFor('anthropic-messages')[1] as anthropic.MessagesBody;
    expect(second.messages[1].content).toEqual([
      { type: 'tool_use', id: 'toolu_bad', name: 'bash', input: {} },
    ]);
    const [result] = anthropic.lastToolResults(second);
    expect(result).toMatchObject({ tool_use_id: 'toolu_bad', is_error: true });
    expect(anthropic.resultText(result)).toMatch(
      /arrived incomplete or invalid JSON.*Re-issue the call/,
    );
    const [record] = readRunLines(store, jobId);
    const steps = readTraceSteps(store, jobId, record?.trace_id as string);
    expect(steps.find((step) => step.source === 'tool')).toMatchObject({
      call: { name: 'bash', arguments: '{"command": "echo' },
      result: { isError: true },
    });
    expect(record?.stop_reason).toBe('done');
  });

  it('stops at --max-steps with stop reason max_steps (and still grades)', async () => {
    const fake = await fakeModel(() => ({
      text: 'thinking it over',
      toolCalls: [{ name: 'ponder', arguments: {} }],
    }));
    const { run, store, jobId } = await evalClaude(fake, LETTER_COUNT, ['--max-steps', '3']);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(fake.requests).toHaveLength(3);
    const unknown = anthropic.lastToolResults(fake.requests[2]?.body)[0];
    expect(anthropic.resultText(unknown)).toBe("unknown tool: 'ponder'");
    const [record] = readRunLines(store, jobId);
    expect(record).toMatchObject({
      stop_reason: 'max_steps',
      reward: 0,
      answer: 'thinking it over',
    });
    const steps = readTraceSteps(store, jobId, record?.trace_id as string);
    expect(steps.filter((step) => step.source === 'agent')).toHaveLength(3);
    expect(steps.filter((step) => step.source === 'tool')).toHaveLength(3);
  });

  it('stops a model call past --agent-timeout with stop reason timeout', async () => {
    const fake = await fakeModel(() => ({ text: 'too late', delayMs: 2_500 }));
    const { store, jobId } = await evalClaude(fake, LETTER_COUNT, ['--agent-timeout', '0.5']);
    const [record] = readRunLines(store, jobId);
    expect(record).toMatchObject({ stop_reason: 'timeout', status: 'error' });
    expect(record?.error).toMatch(/time limit/);
  });

  it('stops starting rollouts once --max-tokens is spent, and says why', async () => {
    const fake = await fakeModel((body) => ({
      text: letterCount(body),
      usage: { inputTokens: 10, outputTokens: 5 },
    }));
    const { run, store, jobId } = await evalClaude(fake, LETTER_COUNT, [
      '--all',
      '--max-concurrent',
      '1',
      '--max-tokens',
      '20',
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(fake.requests).toHaveLength(2);
    expect(run.stdout).toMatch(/reward 1\.000 over 2 graded runs/);
    expect(run.stdout).toMatch(
      /stopped early: budget reached: 30 tokens used of --max-tokens 20; no new rollouts started/,
    );
    expect(readRunLines(store, jobId)).toHaveLength(2);
  });

  it('reports the budget in --json as well', async () => {
    const fake = await fakeModel((body) => ({
      text: letterCount(body),
      usage: { inputTokens: 400_000, outputTokens: 0 },
    }));
    const { run } = await evalClaude(fake, LETTER_COUNT, [
      '--all',
      '--max-concurrent',
      '1',
      '--max-cost',
      '1',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // 400k input tokens of claude-sonnet-4-6 at $3/M: $1.20 after the first run.
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ runs: 1, reward: 1 });
    expect(summary.stopped).toMatch(/budget reached: \$1\.2000 spent of --max-cost \$1/);
  });
});

describe('keys and models', () => {
  it('without any key, claude prints the one clear message and exits non-zero', async () => {
    const run = await runHud(['eval', LETTER_COUNT, 'claude'], {
      cwd: modelScratch('cwd'),
      env: cleanEnv(),
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      /^hud: the claude agent needs an API key: set ANTHROPIC_API_KEY or HUD_API_KEY .*oracle agent\.$/m,
    );
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('hud:')),
    ).toHaveLength(1);
  });

  it('hud models list shows the harness models, and the gateway catalog with HUD_API_KEY', async () => {
    const catalog: ProviderRoute = {
      name: 'hud-models',
      method: 'GET',
      url: '/v2/models',
      render: () => ({
        items: [
          {
            id: 'm-1',
            name: 'kimi-k2.6',
            model_name: 'moonshotai/kimi-k2.6',
            sdk_agent_type: 'openai_compatible',
            is_trainable: true,
            provider: { name: 'moonshot' },
          },
        ],
      }),
      errorBody: (status, message) => ({ status, message }),
    };
    await using fake = await startFakeProvider({
      routes: [catalog],
      handler: () => ({ text: '' }),
    });
    const offline = await runHud(['models', 'list', '--json'], { env: cleanEnv() });
    expect(offline.code, offline.stderr).toBe(0);
    const listed = JSON.parse(offline.stdout);
    expect(listed.gateway).toBeNull();
    expect(listed.models).toContainEqual({
      model: 'claude-sonnet-4-6',
      harness: 'claude',
      price: { input: 3, output: 15, cachedInput: 0.3 },
      isDefault: true,
    });
    expect(fake.requests).toHaveLength(0);

    const online = await runHud(['models', 'list'], {
      env: cleanEnv({ HUD_API_KEY: 'hud-test', HUD_API_URL: fake.url }),
    });
    expect(online.code, online.stderr).toBe(0);
    expect(online.stdout).toMatch(/HUD gateway \(1 model\)/);
    expect(online.stdout).toMatch(
      /kimi-k2\.6.*moonshotai\/kimi-k2\.6.*m-1.*moonshot.*openai_compatible.*yes/,
    );
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer hud-test');
  });
});
