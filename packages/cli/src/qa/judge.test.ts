import { STANDARD_WORKFLOWS, standardWorkflow } from '@hud/protocol';
import { startFakeProvider } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { judgeTrace, readReply } from './judge.js';
import { createJudgeModel } from './judge-models.js';
import type { QaSubject } from './subject.js';

// The judge through the official SDKs against the fake provider server (real HTTP on 127.0.0.1).

const subject: QaSubject = {
  traceId: 'trace1',
  jobId: 'job1',
  slug: 'count-strawberry',
  prompt: "How many 'r's are in 'strawberry'?",
  answer: '3',
  grade: { score: 1, subscores: [{ name: 'exact', value: 1, weight: 1 }] },
  reward: 1,
  status: 'completed',
  error: null,
  steps: [
    {
      step_id: 1,
      source: 'user',
      messages: [{ role: 'user', content: { type: 'text', text: 'How many?' } }],
    },
    { step_id: 2, source: 'agent', content: '3', done: true },
  ],
  graderSource: 'yield exactMatch(answer, String(occurrences(word, letter)));',
};

const falsePositive = standardWorkflow('false-positive');
if (!falsePositive) throw new Error('false-positive is a standard workflow');

const reply = (value: Record<string, unknown>) => ({ text: JSON.stringify(value) });
const flagged = {
  verdict: 'flagged',
  category: 'lucky-guess',
  confidence: 0.7,
  evidence: [{ step: 2, note: 'bare number' }],
  explanation: 'No work shown.',
};
const fastRetry = { minDelayMs: 1, maxDelayMs: 2 };

async function claudeJudge(url: string) {
  return createJudgeModel({
    agent: 'claude',
    model: 'claude-haiku-4-5',
    settings: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: url },
  });
}

describe('judgeTrace with the claude judge (Anthropic SDK)', () => {
  it('returns the validated verdict and sends the rubric, categories, steps and grader source', async () => {
    await using fake = await startFakeProvider({ turns: [reply(flagged)] });
    const outcome = await judgeTrace({
      workflow: falsePositive,
      subject,
      model: await claudeJudge(fake.url),
    });
    expect(outcome).toEqual({
      model: 'claude-haiku-4-5',
      verdict: {
        verdict: 'flagged',
        category: 'lucky-guess',
        confidence: 0.7,
        evidence: [{ step: 2, note: 'bare number' }],
        explanation: 'No work shown.',
      },
    });
    const [body] = fake.bodiesFor('anthropic-messages') as {
      system: string;
      messages: { content: string }[];
    }[];
    expect(body?.system).toContain('False Positive');
    expect(body?.system).toContain('- lucky-guess:');
    const user = body?.messages[0]?.content ?? '';
    expect(user).toContain('### step 2 (agent)');
    expect(user).toContain('"score": 1');
    expect(user).toContain('## grader source\nyield exactMatch');
  });

  it('repairs a malformed reply once, quoting the problem', async () => {
    await using fake = await startFakeProvider({
      turns: [{ text: 'Looks fine to me {verdict: passed' }, reply(flagged)],
    });
    const outcome = await judgeTrace({
      workflow: falsePositive,
      subject,
      model: await claudeJudge(fake.url),
    });
    expect(outcome.verdict.verdict).toBe('flagged');
    const bodies = fake.bodiesFor('anthropic-messages') as {
      messages: { role: string; content: string }[];
    }[];
    expect(bodies).toHaveLength(2);
    expect(bodies[1]?.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
    ]);
    expect(bodies[1]?.messages[2]?.content).toMatch(/not a valid verdict \(not JSON/);
  });

  it('gives an error verdict when the reply is malformed twice', async () => {
    await using fake = await startFakeProvider({
      turns: [{ text: 'no idea' }, reply({ verdict: 'maybe', confidence: 2 })],
    });
    const outcome = await judgeTrace({
      workflow: falsePositive,
      subject,
      model: await claudeJudge(fake.url),
    });
    expect(outcome.verdict).toMatchObject({ verdict: 'error', confidence: 0, evidence: [] });
    expect(outcome.verdict.explanation).toMatch(/malformed twice; last problem: verdict/);
  });

  it('asks again when a flagged verdict names no known category or a step the trace lacks', async () => {
    await using fake = await startFakeProvider({
      turns: [
        reply({ ...flagged, category: 'vibes' }),
        reply({ ...flagged, evidence: [9] }),
        reply(flagged),
      ],
    });
    const first = await judgeTrace({
      workflow: falsePositive,
      subject,
      model: await claudeJudge(fake.url),
    });
    expect(first.verdict.verdict).toBe('error');
    expect(first.verdict.explanation).toContain('evidence names step 9');
    const bodies = fake.bodiesFor('anthropic-messages') as { messages: { content: string }[] }[];
    expect(bodies[1]?.messages[2]?.content).toContain('category must be one of lenient-grader');
  });

  it('records a refusal as an error verdict without asking again', async () => {
    await using fake = await startFakeProvider({
      turns: [{ text: 'I cannot help with that.', finishReason: 'refusal' }],
    });
    const outcome = await judgeTrace({
      workflow: falsePositive,
      subject,
      model: await claudeJudge(fake.url),
    });
    expect(outcome.verdict.verdict).toBe('error');
    expect(outcome.verdict.explanation).toMatch(/refused .*I cannot help/);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries 429s with backoff, then judges', async () => {
    await using fake = await startFakeProvider({
      turns: [{ status: 429, headers: { 'retry-after': '0' } }, { status: 429 }, reply(flagged)],
    });
    const notes: string[] = [];
    const outcome = await judgeTrace({
      workflow: falsePositive,
      subject,
      model: await claudeJudge(fake.url),
      retry: fastRetry,
      onRetry: (note) => notes.push(note),
    });
    expect(outcome.verdict.verdict).toBe('flagged');
    expect(fake.requests).toHaveLength(3);
    expect(notes[0]).toMatch(/judge request failed \(429\); retry 1/);
  });

  it('gives an error verdict when 429s outlast the retries', async () => {
    await using fake = await startFakeProvider({
      handler: () => ({ status: 429, message: 'slow down' }),
    });
    const outcome = await judgeTrace({
      workflow: falsePositive,
      subject,
      model: await claudeJudge(fake.url),
      retry: { ...fastRetry, retries: 2 },
    });
    expect(outcome.verdict.verdict).toBe('error');
    expect(outcome.verdict.explanation).toMatch(/kept failing: .*slow down/);
    expect(fake.requests).toHaveLength(3);
  });

  it('stops with a clear error on a wrong key (401), which retrying cannot fix', async () => {
    await using fake = await startFakeProvider({
      turns: [{ status: 401, message: 'invalid x-api-key' }],
    });
    await expect(
      judgeTrace({ workflow: falsePositive, subject, model: await claudeJudge(fake.url) }),
    ).rejects.toThrow(/the judge \(claude-haiku-4-5\) failed: .*invalid x-api-key/);
  });
});

describe('readReply', () => {
  it('reads fenced JSON and step refs written as numbers or "step N"; a passed verdict has no category', () => {
    const text = `Here it is:\n\`\`\`json\n${JSON.stringify({ verdict: 'passed', category: 'lucky-guess', confidence: 1, evidence: ['step 2', 1], explanation: 'Fine.' })}\n\`\`\``;
    expect(readReply(text, falsePositive, new Set([1, 2]))).toEqual({
      verdict: {
        verdict: 'passed',
        category: null,
        confidence: 1,
        evidence: [{ step: 2 }, { step: 1 }],
        explanation: 'Fine.',
      },
    });
  });
});

describe('judgeTrace with the openai judges', () => {
  it('openai (Responses API) judges and reads a content filter as a refusal', async () => {
    await using fake = await startFakeProvider({
      turns: [reply(flagged), { text: '', finishReason: 'content_filter' }],
    });
    const model = await createJudgeModel({
      agent: 'openai',
      model: 'gpt-5-mini',
      settings: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: `${fake.url}/v1` },
    });
    expect((await judgeTrace({ workflow: falsePositive, subject, model })).verdict.verdict).toBe(
      'flagged',
    );
    expect(
      (await judgeTrace({ workflow: falsePositive, subject, model })).verdict.explanation,
    ).toMatch(/refused/);
    const [body] = fake.bodiesFor('openai-responses') as { instructions: string }[];
    expect(body?.instructions).toContain('False Positive');
  });

  it('goes through the HUD gateway with HUD_API_KEY when no provider key is set', async () => {
    await using fake = await startFakeProvider({
      turns: [reply({ ...flagged, verdict: 'passed', category: null })],
    });
    const model = await createJudgeModel({
      agent: 'openai_compatible',
      model: 'judge-model',
      settings: { HUD_API_KEY: 'hud-key', HUD_GATEWAY_URL: `${fake.url}/v1` },
    });
    const outcome = await judgeTrace({
      workflow: STANDARD_WORKFLOWS[2] ?? falsePositive,
      subject,
      model,
    });
    expect(outcome.verdict).toMatchObject({ verdict: 'passed', category: null });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer hud-key');
  });

  it('names the settings when there is no key at all', async () => {
    await expect(createJudgeModel({ agent: 'claude', settings: {} })).rejects.toThrow(
      /set ANTHROPIC_API_KEY, or HUD_API_KEY|set ANTHROPIC_API_KEY or HUD_API_KEY/,
    );
    await expect(createJudgeModel({ agent: 'gemini', settings: {} })).rejects.toThrow(
      /--agent must be one of claude, openai, openai_compatible/,
    );
  });
});
