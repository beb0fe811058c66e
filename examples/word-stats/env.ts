import { Environment } from '@hud/environment';
import { combine, exactMatch, subscore } from '@hud/graders';
import { z } from 'zod';

export const env = new Environment({ name: 'word-stats', version: '0.1.0' });

/** The facts a correct answer reports about a text. */
function stats(text: string, unit: 'words' | 'letters', caseSensitive: boolean) {
  const words = text.split(/\s+/).filter(Boolean);
  const letters = [...text].filter((char) => /\p{L}/u.test(char));
  const items = unit === 'words' ? words : letters;
  const key = (item: string) => (caseSensitive ? item : item.toLowerCase());
  const distinct = new Set(items.map(key)).size;
  const longest = words.reduce((best, word) => (word.length > best.length ? word : best), '');
  return { count: items.length, distinct, longest };
}

const Answer = z
  .object({ count: z.int(), distinct: z.int(), longest: z.string() })
  .meta({ title: 'WordStats' });

export const analyse = env.template(
  {
    id: 'analyse',
    description:
      'Report how many words or letters a text has, how many are distinct, and its longest word.',
    args: z.object({
      text: z.string().min(1),
      unit: z.enum(['words', 'letters']).describe('what to count'),
      caseSensitive: z.boolean().default(false),
    }),
    returns: Answer,
    solution: ({ text, unit, caseSensitive }) => JSON.stringify(stats(text, unit, caseSensitive)),
  },
  async function* ({ text, unit, caseSensitive }) {
    const answer = yield [
      { role: 'system', content: 'Answer with one JSON object and nothing else.' },
      {
        role: 'user',
        content: `Text: ${JSON.stringify(text)}\nCount its ${unit} (${caseSensitive ? 'case-sensitive' : 'ignoring case'}). Reply as JSON {"count": int, "distinct": int, "longest": "<longest word>"}.`,
      },
    ];
    const expected = stats(text, unit, caseSensitive);
    if (!answer.valid) {
      // An answer that is not the JSON asked for scores 0 on every part, with the reason in the grade.
      yield combine([
        subscore({ name: 'count', value: 0, weight: 0.5, info: { raw: answer.raw } }),
        subscore({ name: 'distinct', value: 0, weight: 0.3 }),
        subscore({ name: 'longest', value: 0, weight: 0.2 }),
      ]);
      return;
    }
    const got = answer.content;
    yield combine([
      subscore({ name: 'count', value: got.count === expected.count ? 1 : 0, weight: 0.5 }),
      subscore({
        name: 'distinct',
        value: got.distinct === expected.distinct ? 1 : 0,
        weight: 0.3,
      }),
      subscore({ name: 'longest', value: exactMatch(got.longest, expected.longest), weight: 0.2 }),
    ]);
  },
);
