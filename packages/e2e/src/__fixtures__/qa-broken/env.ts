import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

/** Graders with deliberate bugs, for `hud qa check` (see README.md). */
export const env = new Environment({ name: 'qa-broken', version: '0.1.0' });

const args = z.object({ n: z.number(), counterDir: z.string().optional() });
const solution = ({ n }: { n: number }) => String(n);

/** A sound grader: exact match. */
export const sound = env.template({ id: 'sound', args, solution }, async function* ({ n }) {
  const answer = yield `Reply with ${n}.`;
  yield exactMatch(answer, String(n));
});

/** Expects the wrong value: the oracle's right answer scores 0. */
export const wrongKey = env.template({ id: 'wrong-key', args, solution }, async function* ({ n }) {
  const answer = yield `Reply with ${n}.`;
  yield exactMatch(answer, String(n + 1));
});

/** Gives full credit to anything, an empty answer included. */
export const lenient = env.template({ id: 'lenient', args, solution }, async function* ({ n }) {
  yield `Reply with ${n}.`;
  yield 1;
});

/** The n-th grading in `counterDir` (claimed with an exclusive create) scores 1 when even, 0.5 when odd. */
function nextGrading(counterDir: string): number {
  for (let index = 0; ; index += 1) {
    try {
      closeSync(openSync(path.join(counterDir, `.grading-${index}`), 'wx'));
      return index;
    } catch {
      // Taken by an earlier grading: try the next number.
    }
  }
}

/** Right answers score 1 or 0.5 by turns: a flaky grader. */
export const flaky = env.template({ id: 'flaky', args, solution }, async function* ({ n, counterDir }) {
  const answer = yield `Reply with ${n}.`;
  if (answer !== String(n)) {
    yield 0;
    return;
  }
  yield nextGrading(counterDir ?? '.') % 2 === 0 ? 1 : 0.5;
});
