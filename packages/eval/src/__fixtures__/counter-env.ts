import { Environment } from '@hud/environment';
import { z } from 'zod';

/** A small environment for scheduler tests: counting letters, plus templates that fail on purpose. */
export const env = new Environment({ name: 'counter', version: '0.1.0' });

const occurrences = (word: string, letter: string) =>
  [...word].filter((char) => char === letter).length;

/** Generators closed by `tasks.cancel` / session teardown, by slug-like label. */
export const closedTemplates: string[] = [];

export const count = env.template(
  {
    id: 'count',
    description: 'Count how often a letter occurs in a word.',
    args: z.object({ word: z.string(), letter: z.string() }),
    solution: ({ word, letter }) => String(occurrences(word, letter)),
  },
  async function* ({ word, letter }) {
    let graded = false;
    try {
      const answer: string = yield `How many '${letter}'s are in '${word}'?`;
      graded = true;
      yield String(answer).trim() === String(occurrences(word, letter)) ? 1 : 0;
    } finally {
      if (!graded) closedTemplates.push(`count:${word}`);
    }
  },
);

export const explode = env.template(
  { id: 'explode', description: 'Fails before its prompt.', args: z.object({ n: z.number() }) },
  // biome-ignore lint/correctness/useYield: fails before its first yield on purpose
  async function* ({ n }) {
    throw new Error(`setup failed for ${n}`);
  },
);

export const brokenGrader = env.template(
  {
    id: 'broken-grader',
    description: 'Its grader reports an infrastructure error.',
    solution: () => 'anything',
  },
  async function* () {
    yield 'Say anything.';
    yield { score: 0, isError: true, content: 'grader could not run' };
  },
);

/** A verifier: re-grades the actor's grade frame (its answer) — `score × bonus`, or 0.25 for an error. */
export const verify = env.template(
  { id: 'verify', description: 'Verifies an actor grade.', args: z.object({ bonus: z.number() }) },
  async function* ({ bonus }) {
    const answer: unknown = yield 'verifying';
    const actor = answer as { score?: number; isError?: boolean };
    yield { score: actor.isError ? 0.25 : (actor.score ?? 0) * bonus, content: 'verified' };
  },
);
