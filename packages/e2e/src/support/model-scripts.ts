import type { FakeTurn, FakeUsage, TextTurn } from '@hud/testing';

// Scripted models for the examples, shared by the harness tests (each reads its own provider's request
// format and passes the prompt, step and tool outputs in).

/** The letter an examples/letter-count prompt asks about and the right answer, if it is one. */
export function letterCountOf(prompt: string): { letter: string; answer: string } | undefined {
  const match = /How many '(.)'s are in '([^']+)'/.exec(prompt);
  if (!match) return undefined;
  const [, letter, word] = match as unknown as [string, string, string];
  return { letter, answer: String([...word].filter((char) => char === letter).length) };
}

/** A 429 with a `retry-after-ms: 10` hint, as the OpenAI APIs send it. */
export const SLOW_DOWN: FakeTurn = {
  status: 429,
  headers: { 'retry-after-ms': '10' },
  message: 'slow down',
};

/**
 * A model for examples/letter-count whose first call of each prompt is rate-limited (`limited`, a 429) and
 * whose later calls answer the count right (with `extra(letter)`); any other prompt is a 400.
 */
export function rateLimitedLetterCount(
  promptOf: (body: unknown) => string,
  limited: FakeTurn,
  extra: (letter: string) => Omit<TextTurn, 'text'>,
): (body: unknown) => FakeTurn {
  const seen = new Set<string>();
  return (body) => {
    const prompt = promptOf(body);
    const counted = letterCountOf(prompt);
    if (!counted) return { status: 400, message: `unexpected prompt: ${prompt}` };
    if (!seen.has(prompt)) {
      seen.add(prompt);
      return limited;
    }
    return { text: counted.answer, ...extra(counted.letter) };
  };
}

/** Turn `step` of `script` with `usage(step)`, or a 400 past its end. */
export function step(
  script: readonly FakeTurn[],
  step: number,
  usage: (n: number) => FakeUsage,
): FakeTurn {
  const turn = script[step];
  if (!turn) return { status: 400, message: `no scripted step ${step}` };
  return { ...turn, usage: usage(step) };
}

/**
 * A model for examples/mcp-tools, at step `n` of a run whose tool outputs so far are `outputs`:
 * store_and_recall first sends a `kv_set` call cut off mid-arguments (the loop must answer it with an error
 * result), then `kv_set`, `kv_get` and the value read; count_prefix calls `kv_list` and counts the keys.
 */
export function mcpTools(
  prompt: string,
  n: number,
  outputs: readonly string[],
  usage: (n: number) => FakeUsage,
): FakeTurn {
  const store = /Store the value "(.+)" under the key "(.+)"\. Then look up the key "(.+)"/.exec(
    prompt,
  );
  if (store) {
    const [, value, key, lookup] = store as unknown as [string, string, string, string];
    const turns: FakeTurn[] = [
      { toolCalls: [{ name: 'kv_set', arguments: `{"key": ${JSON.stringify(key)}, "val` }] },
      { toolCalls: [{ name: 'kv_set', arguments: { key, value } }] },
      { toolCalls: [{ name: 'kv_get', arguments: { key: lookup } }] },
      { text: outputs[2] ?? '' },
    ];
    return { ...(turns[n] ?? { status: 400, message: `step ${n}` }), usage: usage(n) };
  }
  const count = /count the keys that start with "(.+)"/.exec(prompt);
  if (count) {
    const prefix = count[1] as string;
    if (n === 0) return { toolCalls: [{ name: 'kv_list', arguments: {} }], usage: usage(0) };
    const keys = (outputs[0] ?? '').split('\n').filter((key) => key.startsWith(prefix));
    return { text: String(keys.length), usage: usage(1) };
  }
  return { status: 400, message: `unexpected prompt: ${prompt}` };
}
