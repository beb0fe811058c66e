import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

/** The environment of this folder's rows: one template, `double`. */
export const env = new Environment({ name: 'rows', version: '0.1.0' });

export const double = env.template(
  { id: 'double', args: z.object({ n: z.number() }), solution: ({ n }) => String(n * 2) },
  async function* ({ n }) {
    const answer = yield `Double ${n}.`;
    yield exactMatch(answer, String(n * 2));
  },
);
