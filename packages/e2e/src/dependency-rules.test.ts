import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/served-env.js';

// Guards the guard: the house's dependency rules (.dependency-cruiser.cjs, run by `pnpm lint`) run with the
// real dependency-cruiser over small scratch layouts shaped like this repository. Each broken rule must be
// reported by name; a layout that keeps every rule must pass.

const run = promisify(execFile);
const DEPCRUISE = path.join(
  REPO_ROOT,
  'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs',
);
const CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

/** One finding of the `err` reporter: `error <rule>: <from> → <to>` (a cycle: `to` is its next file). */
interface Violation {
  rule: string;
  from: string;
  to: string;
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'hud-dependency-rules-'));
  await writeFile(
    path.join(root, 'tsconfig.base.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  );
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `files` (path → text) under the scratch root. */
async function layout(files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

/**
 * Runs depcruise exactly as `pnpm lint` does (same rules file, `--output-type err`, which exits with the
 * number of errors) from the scratch root; returns its exit code, its output and the violations it lists.
 */
async function cruise(): Promise<{ code: number; output: string; violations: Violation[] }> {
  const args = [DEPCRUISE, 'packages', '--config', CONFIG, '--output-type', 'err'];
  let output: string;
  let code = 0;
  try {
    ({ stdout: output } = await run(process.execPath, args, { cwd: root }));
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string };
    if (typeof failed.code !== 'number' || failed.stdout === undefined) throw error;
    code = failed.code;
    output = failed.stdout;
  }
  const violations = [...output.matchAll(/^\s*error (\S+): (\S+) →\s*(\S+)/gm)].map(
    ([, rule, from, to]) => ({ rule, from, to }) as Violation,
  );
  return { code, output, violations };
}

const rulesOf = (violations: Violation[]) => [...new Set(violations.map((v) => v.rule))].sort();

/** A layout that keeps every rule, including the exceptions the rules allow. */
const CLEAN: Record<string, string> = {
  'packages/protocol/src/index.ts': "export * from './wire.js';\n",
  'packages/protocol/src/wire.ts': 'export const method = "tasks.start";\n',
  'packages/environment/src/env.ts':
    "import { method } from '../../protocol/src/wire.js';\nexport const m = method;\n",
  'packages/eval/src/run.ts':
    "import { method } from '../../protocol/src/wire.js';\nexport const m = method;\n",
  // Runtimes that serve an environment may import it.
  'packages/runtimes-local/src/child.ts':
    "import { m } from '../../environment/src/env.js';\nexport const c = m;\n",
  // Harbor's result writers (src/results/) read eval's types; the runtime path does not.
  'packages/harbor/src/results/atif.ts':
    "import type { m } from '../../../eval/src/run.js';\nexport type A = typeof m;\n",
  // A cycle closed by a lazy import() (a harness spec loading its adapter on first use) is allowed.
  'packages/agents/src/spec.ts':
    "export const spec = { name: 'x', load: async () => (await import('./adapter.js')).Adapter };\n",
  'packages/agents/src/adapter.ts':
    "import { spec } from './spec.js';\nexport class Adapter { name = spec.name; }\n",
};

describe('the dependency rules (pnpm lint)', () => {
  it('pass on a layout that keeps them, with the exceptions they allow', async () => {
    await layout(CLEAN);
    const { code, output, violations } = await cruise();
    expect(violations).toEqual([]);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
  });

  it('fail when @hud/protocol imports another @hud package', async () => {
    await layout({
      ...CLEAN,
      'packages/protocol/src/leak.ts':
        "import { m } from '../../environment/src/env.js';\nexport const l = m;\n",
    });
    const { code, violations } = await cruise();
    expect(code).toBe(1);
    expect(violations).toEqual([
      {
        rule: 'protocol-stands-alone',
        from: 'packages/protocol/src/leak.ts',
        to: 'packages/environment/src/env.ts',
      },
    ]);
  });

  it('fail when the env side imports the agent side, and the other way round', async () => {
    await layout({
      ...CLEAN,
      'packages/graders/src/judge.ts':
        "import { spec } from '../../agents/src/spec.js';\nexport const j = spec;\n",
      'packages/eval/src/env.test.ts':
        "import { m } from '../../environment/src/env.js';\nexport const t = m;\n",
    });
    const { code, violations } = await cruise();
    expect(code).not.toBe(0);
    expect(rulesOf(violations)).toEqual([
      'agent-side-never-imports-env-side',
      'env-side-never-imports-agent-side',
    ]);
  });

  it('fail for a test importing the env side through its package name (node_modules → dist)', async () => {
    await layout({
      ...CLEAN,
      'packages/environment/package.json': JSON.stringify({
        name: '@hud/environment',
        type: 'module',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      }),
      'packages/environment/dist/index.d.ts': 'export declare const m: string;\n',
      'packages/environment/dist/index.js': "export const m = 'x';\n",
      'packages/eval/src/served.test.ts':
        "import { m } from '@hud/environment';\nexport const t = m;\n",
    });
    await mkdir(path.join(root, 'packages/eval/node_modules/@hud'), { recursive: true });
    await symlink(
      path.join(root, 'packages/environment'),
      path.join(root, 'packages/eval/node_modules/@hud/environment'),
    );
    const { code, violations } = await cruise();
    expect(code).not.toBe(0);
    expect(violations).toEqual([
      {
        rule: 'agent-side-never-imports-env-side',
        from: 'packages/eval/src/served.test.ts',
        to: expect.stringMatching(/^packages\/environment\/dist\/index\.(d\.ts|js)$/),
      },
    ]);
  });

  it('fail for an @hud import its package does not declare (it would resolve nowhere, past every rule)', async () => {
    await layout({
      ...CLEAN,
      'packages/environment/src/agent.test.ts': "import '@hud/agents';\n",
    });
    const { code, violations } = await cruise();
    expect(code).toBe(1);
    expect(violations).toEqual([
      {
        rule: 'hud-imports-resolve',
        from: 'packages/environment/src/agent.test.ts',
        to: '@hud/agents',
      },
    ]);
  });

  it('fail when eval imports a runtime or the CLI, and when a runtime imports eval or the CLI', async () => {
    await layout({
      ...CLEAN,
      'packages/eval/src/local.ts':
        "import { c } from '../../runtimes-local/src/child.js';\nexport const l = c;\n",
      'packages/runtimes-docker/src/record.ts':
        "import { m } from '../../eval/src/run.js';\nexport const r = m;\n",
      'packages/harbor/src/trial.ts':
        "import { m } from '../../cli/src/main.js';\nexport const t = m;\n",
      'packages/cli/src/main.ts': 'export const m = 1;\n',
    });
    const { code, violations } = await cruise();
    expect(code).not.toBe(0);
    expect(violations.map((v) => [v.rule, v.from]).sort()).toEqual([
      ['eval-imports-no-runtime-or-cli', 'packages/eval/src/local.ts'],
      ['runtimes-import-no-eval-or-cli', 'packages/harbor/src/trial.ts'],
      ['runtimes-import-no-eval-or-cli', 'packages/runtimes-docker/src/record.ts'],
    ]);
  });

  it('fail on an import cycle between files of a package, a type-only one too', async () => {
    await layout({
      ...CLEAN,
      'packages/eval/src/store.ts':
        "import { Taskset } from './taskset.js';\nexport const load = () => new Taskset();\n",
      'packages/eval/src/taskset.ts':
        "import { load } from './store.js';\nexport class Taskset { again = load; }\n",
      'packages/testing/src/route.ts':
        "import type { Recorded } from './fake.js';\nexport interface Route { last?: Recorded }\n",
      'packages/testing/src/fake.ts':
        "import type { Route } from './route.js';\nexport interface Recorded { route?: Route }\n",
    });
    const { code, violations } = await cruise();
    expect(code).not.toBe(0);
    expect(rulesOf(violations)).toEqual(['no-circular-within-a-package']);
    expect([...new Set(violations.map((v) => v.from.split('/')[1]))].sort()).toEqual([
      'eval',
      'testing',
    ]);
  });
});
