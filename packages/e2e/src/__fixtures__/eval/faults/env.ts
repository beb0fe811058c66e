import { spawn } from 'node:child_process';
import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

/** Templates that fail in each phase of a rollout, next to well-behaved ones. */
export const env = new Environment({ name: 'faults', version: '0.1.0' });

const args = z.object({ n: z.number() });
const solution = ({ n }: { n: number }) => String(n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const ok = env.template({ id: 'ok', args, solution }, async function* ({ n }) {
  const answer = yield `Reply with ${n}.`;
  yield exactMatch(answer, String(n));
});

export const echo = env.template({ id: 'echo', args, solution }, async function* ({ n }) {
  const answer = yield `Echo ${n}.`;
  yield exactMatch(answer, String(n));
});

/** Throws before its first yield: the run fails while `starting task`. */
export const early = env.template({ id: 'early', args, solution }, async function* ({ n }) {
  if (n >= 0) throw new Error(`setup exploded for ${n}`);
  const answer = yield 'unreachable';
  yield exactMatch(answer, String(n));
});

/** Throws after its first yield: the run fails while `grading`. */
export const late = env.template({ id: 'late', args, solution }, async function* ({ n }) {
  const answer = yield `Reply with ${n}.`;
  if (n >= 0) throw new Error(`grader exploded on '${answer}'`);
  yield 1;
});

/**
 * Starts a helper process (in the environment's process group, its command line naming this directory),
 * then exits the whole environment process once the answer arrives.
 */
export const crash = env.template({ id: 'crash', args, solution }, async function* ({ n }) {
  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', process.cwd()], {
    stdio: 'ignore',
  });
  const answer = yield `Reply with ${n}.`;
  if (n >= 0) process.exit(3);
  yield exactMatch(answer, String(n));
});

/** Sleeps a minute before its prompt: only a rollout time limit ends it. */
export const slow = env.template({ id: 'slow', args, solution }, async function* ({ n }) {
  await sleep(60_000);
  const answer = yield `Reply with ${n}.`;
  yield exactMatch(answer, String(n));
});

/** Grades with `isError`: a run without a verdict although nothing crashed. */
export const unsure = env.template({ id: 'unsure', args, solution }, async function* ({ n }) {
  yield `Reply with ${n}.`;
  yield { score: 0, isError: true, content: 'the checker is unavailable' };
});
