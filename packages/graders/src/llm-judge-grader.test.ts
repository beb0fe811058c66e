import type { JsonObject } from '@hud/protocol';
import { type FakeTurn, type RecordedRequest, startFakeProvider } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { isErrorResult } from './error-result.js';
import { JUDGE_SYSTEM_PROMPT, judgeUserPrompt } from './judge-prompt.js';
import { LLMJudgeGrader } from './llm-judge-grader.js';

interface ChatBody {
  model: string;
  max_tokens: number;
  messages: { role: string; content: string }[];
}

const verdict = (
  status: 'MET' | 'UNMET',
  explanation = `${status.toLowerCase()} reason`,
): FakeTurn => ({
  text: JSON.stringify({ criterion_status: status, explanation }),
});

/** The `<criterion>` of a recorded judge request. */
function criterionOf(body: unknown): string {
  const user = (body as ChatBody).messages[1]?.content ?? '';
  return /<criterion>\n([\s\S]*?)\n<\/criterion>/.exec(user)?.[1] ?? '';
}

/** Answers by criterion text, but only once `count` requests are in flight (proves they run in parallel). */
function barrierHandler(count: number, answer: (criterion: string) => FakeTurn) {
  const waiting: (() => void)[] = [];
  return async (body: unknown, request: RecordedRequest): Promise<FakeTurn> => {
    if (request.index + 1 < count) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      for (const resolve of waiting) resolve();
    }
    return answer(criterionOf(body));
  };
}

const judgeFor = (url: string, options: { maxRetries?: number } = {}) =>
  new LLMJudgeGrader({ baseURL: `${url}/v1`, apiKey: 'sk-test-judge', ...options });

describe('LLMJudgeGrader against the fake provider', () => {
  it('sends one parallel request per criterion with the hud-python prompt and scores met/unmet', async () => {
    await using fake = await startFakeProvider({
      handler: barrierHandler(2, (criterion) =>
        criterion === 'Names the capital'
          ? verdict('MET', 'says Paris')
          : verdict('UNMET', 'no number'),
      ),
    });
    const result = await judgeFor(fake.url).grade({
      weight: 0.4,
      answer: 'The capital is Paris.',
      question: 'What is the capital of France, and its population?',
      criteria: ['Names the capital', ['Gives the population', 1]],
    });
    expect(result).toMatchObject({ name: 'LLMJudgeGrader', weight: 0.4, value: 0.5 });
    expect(result.children).toEqual([
      {
        name: 'Names the capital',
        weight: 1,
        value: 1,
        children: null,
        info: { reason: 'says Paris' },
      },
      {
        name: 'Gives the population',
        weight: 1,
        value: 0,
        children: null,
        info: { reason: 'no number' },
      },
    ]);
    expect((result.info as JsonObject).model).toBe('claude-haiku-4-5');
    expect((result.info as JsonObject)._parameters).toEqual({
      answer: 'The capital is Paris.',
      question: 'What is the capital of France, and its population?',
      criteria: ['Names the capital', ['Gives the population', 1]],
    });

    expect(fake.requests).toHaveLength(2);
    const bodies = fake.requests.map((request) => request.body as ChatBody);
    for (const request of fake.requests) {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe('Bearer sk-test-judge');
    }
    expect(bodies.map(criterionOf).sort()).toEqual(['Gives the population', 'Names the capital']);
    for (const body of bodies) {
      expect(body.model).toBe('claude-haiku-4-5');
      expect(body.max_tokens).toBe(1024);
      expect(body.messages).toEqual([
        { role: 'system', content: JUDGE_SYSTEM_PROMPT },
        {
          role: 'user',
          content: judgeUserPrompt(
            { requirement: criterionOf(body), weight: 1 },
            'The capital is Paris.',
            'What is the capital of France, and its population?',
          ),
        },
      ]);
    }
    expect(bodies[0]?.messages[1]?.content).toMatch(
      /^<criterion_type>\npositive\n<\/criterion_type>\n\n<criterion>\n.+\n<\/criterion>\n\n<query>\nWhat is the capital of France, and its population\?\n<\/query>\n\n<response>\nThe capital is Paris\.\n<\/response>$/,
    );
  });

  it('applies penalty arithmetic for negative criteria and marks them negative', async () => {
    await using fake = await startFakeProvider({
      handler: (body) => verdict(criterionOf(body) === 'Is rude' ? 'MET' : 'UNMET'),
    });
    const judge = judgeFor(fake.url);
    // P = 2, S = 2·0 + (-1)·1 → clamp(-0.5) = 0.
    const mixed = await judge.grade({
      weight: 1,
      answer: 'whatever',
      criteria: [
        ['Is correct', 2],
        ['Is rude', -1],
      ],
    });
    expect(mixed.value).toBe(0);
    // Only penalties: N = 3, S = -1 → 1 + S/N = 0.6666666666666667 (python3: 1.0 + -1/3).
    const penalties = await judge.grade({
      weight: 1,
      answer: 'whatever',
      criteria: [
        ['Is rude', -1],
        ['Invents facts', -2],
      ],
      model: 'judge-model-x',
    });
    expect(penalties.value).toBe(0.6666666666666667);
    expect(penalties.children?.map((child) => [child.name, child.value, child.weight])).toEqual([
      ['Is rude', 1, -1],
      ['Invents facts', 0, -2],
    ]);
    const negativeBodies = fake.requests.slice(2).map((request) => request.body as ChatBody);
    expect(negativeBodies.every((body) => body.model === 'judge-model-x')).toBe(true);
    expect(
      negativeBodies.every((body) =>
        body.messages[1]?.content.startsWith('<criterion_type>\nnegative\n'),
      ),
    ).toBe(true);
    // No question → no <query> block.
    expect(negativeBodies[0]?.messages[1]?.content).not.toContain('<query>');
  });

  it('parses fenced JSON and falls back to MET/UNMET tokens for malformed replies', async () => {
    const replies: Record<string, string> = {
      fenced: '```json\n{"criterion_status": "met", "explanation": "fenced ok"}\n```',
      prose: 'I think this criterion is MET overall',
      unmet: 'Verdict: UNMET (the answer is silent)',
    };
    await using fake = await startFakeProvider({
      handler: (body) => ({ text: replies[criterionOf(body)] as string }),
    });
    const result = await judgeFor(fake.url).grade({
      weight: 1,
      answer: 'x',
      criteria: ['fenced', 'prose', 'unmet'],
    });
    expect(result.children?.map((child) => [child.name, child.value, child.info?.reason])).toEqual([
      ['fenced', 1, 'fenced ok'],
      ['prose', 1, 'I think this criterion is MET overall'],
      ['unmet', 0, 'Verdict: UNMET (the answer is silent)'],
    ]);
    expect(result.value).toBe(2 / 3);
  });

  it('turns a provider 500 into an error result naming the provider error', async () => {
    await using fake = await startFakeProvider({
      handler: () => ({ status: 500, message: 'upstream exploded' }),
    });
    const result = await judgeFor(fake.url, { maxRetries: 0 }).grade({
      weight: 0.7,
      answer: 'x',
      criteria: ['a', 'b'],
    });
    expect(isErrorResult(result)).toBe(true);
    expect(result).toMatchObject({ name: 'LLMJudgeGrader', weight: 0.7, value: 0 });
    const info = result.info as JsonObject;
    expect(info.error).toBe(
      'LLM judge request failed for 2 of 2 criteria: InternalServerError: 500 upstream exploded',
    );
    expect(info.failures).toEqual([
      { criterion: 'a', error: expect.stringContaining('upstream exploded'), status: 500 },
      { criterion: 'b', error: expect.stringContaining('upstream exploded'), status: 500 },
    ]);
    expect(fake.requests).toHaveLength(2);
  });

  it('turns a refused connection into an error result', async () => {
    const fake = await startFakeProvider();
    await fake.close();
    const result = await judgeFor(fake.url, { maxRetries: 0 }).grade({
      weight: 1,
      answer: 'x',
      criteria: ['a'],
    });
    expect(isErrorResult(result)).toBe(true);
    expect((result.info as JsonObject).error).toBe(
      'LLM judge request failed for 1 of 1 criteria: APIConnectionError: Connection error. (ECONNREFUSED)',
    );
  });

  it('retries per maxRetries (default 2) before giving up', async () => {
    await using fake = await startFakeProvider({
      turns: [{ status: 503, headers: { 'retry-after-ms': '1' } }, verdict('MET')],
    });
    const result = await judgeFor(fake.url).grade({ weight: 1, answer: 'x', criteria: ['a'] });
    expect(result.value).toBe(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('scores 0 without calling the provider when there are no criteria', async () => {
    await using fake = await startFakeProvider();
    const result = await judgeFor(fake.url).grade({ weight: 1, answer: 'x', criteria: [] });
    expect(result.value).toBe(0);
    expect(isErrorResult(result)).toBe(false);
    expect((result.info as JsonObject).error).toBe('no criteria provided');
    expect(fake.requests).toHaveLength(0);
  });

  it('requires an apiKey or a client and validates criteria', async () => {
    expect(() => new LLMJudgeGrader({})).toThrowError(/apiKey/);
    const judge = new LLMJudgeGrader({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
    await expect(judge.grade({ weight: 1, criteria: [['x', Number.NaN]] })).rejects.toThrowError(
      /criteria\[0\]/,
    );
  });
});
