import { readFileSync } from 'node:fs';
import { Environment, solveWithTools } from '@hud/environment';
import { BashGrader, combine, combineAll, subscore } from '@hud/graders';

export const env = new Environment({ name: 'coding-fix', version: '0.1.0' });

const PROJECT = new URL('./project/', import.meta.url);
/** The tests as shipped: a fix that edits them instead of the code does not count. */
const TESTS = readFileSync(new URL('test.js', PROJECT), 'utf8');
/** The failing tests and the counts, in TAP whatever node's default reporter is. */
const SHOW_FAILURES =
  "node --test --test-reporter=tap 2>&1 | grep -E '^(not )?ok |^# (pass|fail) '";

/**
 * A shell workspace (capability `shell`, ssh/2) holding a fresh copy of the buggy project at every start —
 * one rollout per served process under the local runtime. Sessions run in a bubblewrap sandbox at
 * `/workspace` without network when bubblewrap works here.
 */
export const workspace = env.workspace({ seed: PROJECT });

export const fix = env.template(
  {
    id: 'fix',
    description: 'Fix the bug in a small JavaScript project so its node:test suite passes.',
    // The reference fix as an agent would make it: `bash` calls through the workspace, which the oracle
    // agent runs with its own tools (and records in the trace) before giving the answer.
    solution: () =>
      solveWithTools({
        calls: [
          { name: 'bash', arguments: { command: SHOW_FAILURES } },
          {
            name: 'bash',
            arguments: {
              command: "sed -i 's/index < values.length - 1/index < values.length/' src/sum.js",
            },
          },
          { name: 'bash', arguments: { command: 'node --test' } },
        ],
        answer: 'Fixed the off-by-one in sum(): the loop now visits the last value.',
      }),
  },
  async function* (_args, { signal }) {
    yield [
      `The JavaScript project in the workspace (${workspace.cwd}, reachable through the 'shell' capability) has a failing test suite: \`node --test\` reports failures for \`sum\` in src/sum.js.`,
      'Find the bug and fix the code (not the tests) so that `node --test` passes. Reply with one sentence saying what you changed.',
    ].join('\n\n');
    const tests = await new BashGrader({ executor: workspace.executor() }).grade({
      weight: 1,
      name: 'node_test',
      command: 'node --test',
      timeoutMs: 120_000,
      signal,
    });
    const untouched = subscore({
      name: 'tests_unchanged',
      value: (await workspace.readText('test.js', { signal })) === TESTS ? 1 : 0,
    });
    yield combine([combineAll({ weight: 1, name: 'fixed', subscores: [tests, untouched] })]);
  },
);
