import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

export const env = new Environment({ name: 'sleepy', version: '0.1.0' });

/** Sleeps 300 ms before its prompt, so a job of these is still running when Ctrl-C arrives. */
export const nap = env.template(
  { id: 'nap', args: z.object({ n: z.number() }), solution: ({ n }) => String(n * 2) },
  async function* ({ n }) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answer = yield `Double ${n}.`;
    yield exactMatch(answer, String(n * 2));
  },
);
