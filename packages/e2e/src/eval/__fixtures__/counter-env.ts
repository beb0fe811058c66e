import { Environment, type TemplateContext } from '@hud/environment';
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

/** The step each running `count-twice` task is on, keyed by its context (its solution reads it). */
const stepOf = new WeakMap<TemplateContext, number>();

/**
 * A multi-step task (hud-ts extension): count `first`, then (same task, next prompt) `second` in `word`.
 * Step 1's grade carries the next prompt (and `agent_timeout_seconds` when `stepTimeout` is given); the
 * final grade is the mean of the two steps.
 */
export const countTwice = env.template(
  {
    id: 'count-twice',
    description: 'Count one letter, then another, in a word.',
    args: z.object({
      word: z.string(),
      first: z.string(),
      second: z.string(),
      stepTimeout: z.number().optional(),
    }),
    solution: ({ word, first, second }, context) =>
      String(occurrences(word, stepOf.get(context) === 2 ? second : first)),
  },
  async function* ({ word, first, second, stepTimeout }, context) {
    let finished = false;
    try {
      stepOf.set(context, 1);
      const one: string = yield `How many '${first}'s are in '${word}'?`;
      const score1 = one.trim() === String(occurrences(word, first)) ? 1 : 0;
      stepOf.set(context, 2);
      const two: string = yield {
        score: score1,
        done: false,
        prompt: `And how many '${second}'s?`,
        ...(stepTimeout === undefined ? {} : { agent_timeout_seconds: stepTimeout }),
      };
      const score2 = two.trim() === String(occurrences(word, second)) ? 1 : 0;
      finished = true;
      yield { score: (score1 + score2) / 2, content: `steps: ${score1}, ${score2}` };
    } finally {
      if (!finished) closedTemplates.push(`count-twice:${word}`);
    }
  },
);
