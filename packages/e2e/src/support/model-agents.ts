import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FakeHandler, type FakeProvider, startFakeProvider } from '@hud/testing';
import { afterAll, afterEach } from 'vitest';
import { jobIdOf } from './eval-harness.js';
import { type HudRun, runHud } from './run-hud.js';

// Helpers for `hud eval … <model agent>` against the fake provider: a clean environment (no real keys, a
// scratch HOME so ~/.hud/.env cannot leak in) and fake providers closed after each test.

const PROVIDER_SETTINGS =
  /^(ANTHROPIC|OPENAI|GEMINI|GOOGLE|OPENAI_COMPATIBLE)_|^HUD_(API_KEY|GATEWAY_URL|API_URL)$/;

const scratches: string[] = [];

/** A fresh directory under the OS temp dir, removed by {@link removeModelScratch}. */
export function modelScratch(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `hud-${label}-`));
  scratches.push(dir);
  return dir;
}

/** Removes every {@link modelScratch} directory. */
export function removeModelScratch(): void {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** This process's environment without provider keys or URLs, with HOME in a scratch dir, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!PROVIDER_SETTINGS.test(key)) env[key] = value;
  }
  return { ...env, HOME: modelScratch('home'), ...extra };
}

const fakes: FakeProvider[] = [];

/** A fake provider answering every route with `handler`, closed after the test ({@link cleanUpModelRuns}). */
export async function fakeModel(handler: FakeHandler): Promise<FakeProvider> {
  const fake = await startFakeProvider({ handler });
  fakes.push(fake);
  return fake;
}

/**
 * Registers this test file's clean-up (call once at its top level): every {@link fakeModel} closed after
 * each test, every {@link modelScratch} directory removed after all.
 */
export function cleanUpModelRuns(): void {
  afterEach(async () => {
    for (const fake of fakes.splice(0)) await fake.close();
  });
  afterAll(removeModelScratch);
}

/** `hud <args>` with `ANTHROPIC_API_KEY=test ANTHROPIC_BASE_URL=<fake>` and nothing else of the user's. */
export function runClaude(
  fakeUrl: string,
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<HudRun> {
  return runHud(args, {
    cwd: modelScratch('cwd'),
    timeoutMs: options.timeoutMs ?? 50_000,
    env: cleanEnv({ ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: fakeUrl, ...options.env }),
  });
}

/** One `hud eval` run of {@link evalModel}: its outcome, its store and the job id it printed ('' if none). */
export interface ModelEval {
  run: HudRun;
  store: string;
  jobId: string;
}

/**
 * `hud eval <source> <agent> --store <scratch> …args` in a scratch cwd, with {@link cleanEnv} plus `env`
 * (the agent's key and fake base URL).
 */
export async function evalModel(
  agent: string,
  source: string,
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ModelEval> {
  const store = modelScratch(`${agent}-store`);
  const run = await runHud(['eval', source, agent, '--store', store, ...args], {
    cwd: modelScratch(`${agent}-cwd`),
    timeoutMs: options.timeoutMs ?? 150_000,
    env: cleanEnv(options.env),
  });
  let jobId = '';
  try {
    jobId = jobIdOf(run.stdout);
  } catch {} // no job: the caller's assertions on `run` say why
  return { run, store, jobId };
}

/** `hud eval <source> claude --store <scratch> …args` against `fake` (see {@link runClaude}). */
export function evalClaude(
  fake: FakeProvider,
  source: string,
  args: readonly string[] = [],
): Promise<ModelEval> {
  return evalModel('claude', source, args, {
    env: { ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: fake.url },
    timeoutMs: 50_000,
  });
}

/**
 * Writes a one-template env with `env.screen({width: 640, height: 480})` into a scratch dir (`env.ts`, named
 * `name`, prompting `prompt` and grading an answer of `640`) and its taskset (`tasks.ts`); returns the
 * taskset's path.
 */
export function writeScreenEnv(name: string, prompt: string): string {
  const dir = modelScratch('screen-env');
  writeFileSync(
    path.join(dir, 'env.ts'),
    `import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
export const env = new Environment({ name: '${name}' });
env.screen({ width: 640, height: 480 });
export const size = env.template({ id: 'size', description: 'Report the screen width.' }, async function* () {
  const answer = yield '${prompt}';
  yield exactMatch(answer, '640');
});
`,
  );
  const tasks = path.join(dir, 'tasks.ts');
  writeFileSync(
    tasks,
    `import { Taskset } from '@hud/eval';
import { size } from './env.js';
export default new Taskset('${name}', [size()]);
`,
  );
  return tasks;
}
