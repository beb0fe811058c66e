import { onTestFinished } from 'vitest';
import { type FakeProvider, startFakeProvider } from '../fake-provider.js';
import type { ProviderRoute } from '../provider-route.js';
import type { FakeTurn } from '../turns.js';

/** A fake provider serving only `route` with `turns`, closed when the current test finishes. */
export async function fakeWith(route: ProviderRoute, turns: FakeTurn[]): Promise<FakeProvider> {
  const fake = await startFakeProvider({ turns, routes: [route] });
  onTestFinished(() => fake.close());
  return fake;
}

/**
 * Starts {@link fakeWith} `route` and `turns`, POSTs `body` as JSON to `path` with `headers` (default an
 * OpenAI-style `authorization: Bearer k`), and returns the provider, the response and its JSON body.
 */
export async function postTo(
  route: ProviderRoute,
  turns: FakeTurn[],
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: 'Bearer k' },
) {
  const fake = await fakeWith(route, turns);
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON envelopes
  return { fake, response, json: (await response.json()) as any };
}

/**
 * A turn with reasoning (`think`), text (`calling`), two `add` calls (`{a: 1}` as an object, then
 * `rawArguments` verbatim under the id `mine`) and usage 30 in (12 cached) / 4 out.
 */
export function thinkAndCall(rawArguments: string): FakeTurn {
  return {
    reasoning: 'think',
    text: 'calling',
    toolCalls: [
      { name: 'add', arguments: { a: 1 } },
      { id: 'mine', name: 'add', arguments: rawArguments },
    ],
    usage: { inputTokens: 30, outputTokens: 4, cachedTokens: 12 },
  };
}
