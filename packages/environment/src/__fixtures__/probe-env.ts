import { z } from 'zod';
import { Environment } from '../environment.js';

/**
 * An environment whose `probe` template records its lifecycle: `start:<tag>` at the first yield,
 * `abort:<tag>` when its signal aborts, `finally:<tag>` when the generator is closed.
 */
export function probeEnv(): { env: Environment; events: string[] } {
  const env = new Environment({ name: 'probe', version: '1.2.3' });
  const events: string[] = [];
  env.template(
    {
      id: 'probe',
      args: z.object({ tag: z.string() }),
      solution: ({ tag }) => `solved ${tag}`,
    },
    async function* ({ tag }, { signal }) {
      signal.addEventListener('abort', () => events.push(`abort:${tag}`));
      try {
        events.push(`start:${tag}`);
        const answer = yield `probe ${tag}`;
        yield answer === tag ? 1 : 0;
      } finally {
        events.push(`finally:${tag}`);
      }
    },
  );
  return { env, events };
}
