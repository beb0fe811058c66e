import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { removeScratch, scratchDir } from './support/eval-harness.js';
import { runHud } from './support/run-hud.js';

// The local runtime serves an env file it must not bundle through the module loader and says why; the
// CLI hands it its logger, so the reason reaches the user.

afterAll(removeScratch);

const ENV = `import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

export const env = new Environment({ name: 'rows', version: '0.1.0' });

export const double = env.template(
  { id: 'double', args: z.object({ n: z.number() }), solution: ({ n }) => String(n * 2) },
  async function* ({ n }) {
    const answer = yield \`Double \${n}.\`;
    yield exactMatch(answer, String(n * 2));
  },
);

// A computed require: a bundle could not know what to include, so the runtime refuses to bundle.
export const load = (name: string) => require(name);
`;

it('hud eval prints why the local runtime serves the environment unbundled, and still runs it', async () => {
  const dir = scratchDir('unbundled');
  writeFileSync(path.join(dir, 'env.ts'), ENV);
  writeFileSync(
    path.join(dir, 'tasks.jsonl'),
    '{"env":"rows","id":"double","args":{"n":2},"slug":"two"}\n',
  );
  // cwd = the project: the bundle cache goes to its .hud/cache, inside the scratch directory.
  const run = await runHud(['eval', 'tasks.jsonl', 'oracle', '--store', path.join(dir, 'jobs')], {
    cwd: dir,
    timeoutMs: 60_000,
  });
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toMatch(/reward 1\.000 over 1 graded run/);
  const notes = run.stderr.split('\n').filter((line) => line.includes('unbundled'));
  expect(notes, run.stderr).toHaveLength(1);
  expect(notes[0]).toContain(
    `[hud warn] LocalRuntime: serving ${path.join(dir, 'env.ts')} unbundled`,
  );
  expect(notes[0]).toContain('require(<computed>)');
});
