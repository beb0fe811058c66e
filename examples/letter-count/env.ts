import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

export const env = new Environment({ name: 'letter-count', version: '0.1.0' });

const occurrences = (word: string, letter: string) =>
  [...word].filter((char) => char === letter).length;

export const count = env.template(
  {
    id: 'count',
    description: 'Count how often a letter occurs in a word.',
    args: z.object({ word: z.string(), letter: z.string().length(1) }),
    solution: ({ word, letter }) => String(occurrences(word, letter)),
  },
  async function* ({ word, letter }) {
    const answer = yield `How many '${letter}'s are in '${word}'? Reply with just the number.`;
    yield exactMatch(answer, String(occurrences(word, letter)));
  },
);
