import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeProvider } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptOf } from './support/anthropic-messages.js';
import { BASE_IMAGE, docker, escaped, hasDocker, uniqueTag } from './support/docker.js';
import { expectSummary, type HudRun } from './support/run-hud.js';
import { REPO_ROOT } from './support/served-env.js';

// The path a user takes after `npm install @hud/cli`, on the tarballs npm would publish: every published
// package is packed with `pnpm pack` (the packages are already built), then a scratch project OUTSIDE the
// repository installs @hud/cli and the @hud packages it depends on from those tarballs (all by path in one
// `npm install`, so npm resolves @hud/* from them; everything else comes from the npm registry, through npm's
// own cache). From there: `npx hud init demo && cd demo && npx hud eval tasks.ts oracle --all` scores 1.0.
//
// Optional packages are installed on demand, each named by a one-line hint when missing:
// - provider SDKs (`@anthropic-ai/sdk`, `openai`, `@google/genai`) are optional peers of @hud/agents and
//   @hud/cli: `hud eval … claude` without the SDK prints `the claude agent needs @anthropic-ai/sdk, which is
//   not installed: npm install @anthropic-ai/sdk`; after that install it runs (here against a fake
//   Anthropic API on 127.0.0.1);
// - runtime packages (`@hud/runtimes-docker`, `@hud/harbor`) are optional peers of @hud/cli:
//   `hud eval … --runtime docker` without @hud/runtimes-docker prints its install line and exits non-zero;
//   after installing that one tarball, `hud build` + `hud eval … --runtime docker` score 1.0.
//
// `npx --no` everywhere: npx must find the `hud` the project installed, and never fetch a package of that
// name from the registry instead. The tests of this file run in order and share the project.

/** Real npm installs and Docker builds on 2 loaded cores: a generous bound per step (never asserted). */
const STEP_TIMEOUT_MS = 300_000;

/** Published packages (not private) of packages/*, by name, with their manifest. */
function publishedManifests(): Map<string, { dependencies?: Record<string, string> }> {
  const found = new Map<string, { dependencies?: Record<string, string> }>();
  for (const dir of readdirSync(path.join(REPO_ROOT, 'packages'))) {
    const file = path.join(REPO_ROOT, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest.private !== true) found.set(manifest.name, manifest);
  }
  return found;
}

/** `@hud/cli` and the @hud packages it depends on (its `dependencies`, transitively; peers excluded). */
function cliClosure(manifests: Map<string, { dependencies?: Record<string, string> }>): string[] {
  const names = new Set<string>();
  const visit = (name: string) => {
    if (names.has(name)) return;
    names.add(name);
    for (const dep of Object.keys(manifests.get(name)?.dependencies ?? {})) {
      if (manifests.has(dep)) visit(dep);
    }
  };
  visit('@hud/cli');
  return [...names].sort();
}

/**
 * This process's environment as a user's shell would have it: no provider keys or URLs, no NODE_PATH, none
 * of the npm_* / pnpm_* variables the workspace's test runner set, npm's usual cache, and this Node first
 * on PATH (so `npm`, `npx` and the `hud` bin's `#!/usr/bin/env node` use it).
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_/i.test(key) || key === 'NODE_PATH' || key === 'INIT_CWD') continue;
    if (/^(ANTHROPIC|OPENAI|GEMINI|GOOGLE|OPENAI_COMPATIBLE)_|^HUD_/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    PATH: [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter),
    npm_config_cache: path.join(homedir(), '.npm'),
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** Runs `command …args` in `cwd`; never rejects on exit codes. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<HudRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      {
        cwd: options.cwd,
        env: options.env ?? userEnv(),
        timeout: options.timeoutMs ?? STEP_TIMEOUT_MS,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        // A killed command (the step deadline, or a signal) has no exit code: say so in what the assertion
        // prints, with how long it ran and the tail of its stdout, instead of an empty stderr.
        const killed =
          code === null
            ? `\n[${command} ${args.slice(0, 2).join(' ')}: killed by ${error?.signal ?? 'a signal'} after ${Math.round((Date.now() - started) / 1000)} s; stdout tail:\n${stdout.slice(-4000)}]`
            : '';
        resolve({ code, stdout, stderr: stderr + killed });
      },
    );
  });
}

/** `npm install` of `specs` into `cwd`, from npm's cache where it can. */
function npmInstall(cwd: string, specs: readonly string[]): Promise<HudRun> {
  return run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      // npm waits 5 minutes on a stalled registry response by default (fetch-timeout 300000 ms), which is
      // this step's whole budget: a CI run lost the step to one such stall. Give up on a stalled fetch after
      // 30 s and retry it (npm's own retry, 4 times, 2–10 s apart) instead.
      '--fetch-timeout=30000',
      '--fetch-retries=4',
      '--fetch-retry-mintimeout=2000',
      '--fetch-retry-maxtimeout=10000',
      ...specs,
    ],
    { cwd },
  );
}

/** Whether `name` is installed in `project`'s node_modules. */
const installed = (project: string, name: string) =>
  existsSync(path.join(project, 'node_modules', ...name.split('/'), 'package.json'));

const DOCKER_INSTALL_LINE =
  'needs @hud/runtimes-docker, which is not installed: npm install @hud/runtimes-docker';
const CLAUDE_INSTALL_LINE =
  'the claude agent needs @anthropic-ai/sdk, which is not installed: npm install @anthropic-ai/sdk';

/** What `hud init` scaffolds: two `count` tasks (`'r'` in 'Strawberry world', `'a'` in 'banana'). */
function countAnswer(prompt: string): string {
  const [, letter = '', text = ''] =
    /How many times does '(.)' appear in '([^']*)'/.exec(prompt) ?? [];
  return String([...text.toLowerCase()].filter((char) => char === letter.toLowerCase()).length);
}

describe('the published packages, packed and installed with npm as a user installs @hud/cli', () => {
  const manifests = publishedManifests();
  const closure = cliClosure(manifests);
  const TAG = uniqueTag('packed-demo');
  let root: string;
  let project: string;
  let demo: string;
  const tarballs = new Map<string, string>();

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'hud-packed-install-'));
    // Outside the repository, and no node_modules above it: only what npm installs can resolve.
    expect(path.relative(REPO_ROOT, root).startsWith('..')).toBe(true);
    for (let dir = path.dirname(root); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      expect(existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
    }
    const dest = path.join(root, 'tarballs');
    const filters = [...manifests.keys()].flatMap((name) => ['--filter', name]);
    const packed = await run(
      'pnpm',
      ['-r', ...filters, 'pack', '--pack-destination', dest, '--json'],
      { cwd: REPO_ROOT, env: { ...process.env } },
    );
    expect(packed.code, packed.stderr).toBe(0);
    const list = JSON.parse(packed.stdout) as { name: string; filename: string }[];
    for (const { name, filename } of list) tarballs.set(name, filename);
    expect([...tarballs.keys()].sort()).toEqual([...manifests.keys()].sort());

    project = path.join(root, 'project');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'packed-install', private: true, type: 'module' }, null, 2)}\n`,
    );
    const install = await npmInstall(
      project,
      closure.map((name) => tarballs.get(name) as string),
    );
    expect(install.code, install.stderr).toBe(0);
  }, 2 * STEP_TIMEOUT_MS);

  afterAll(async () => {
    if (hasDocker) await docker(['image', 'rm', '-f', TAG]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('npm installs @hud/cli with its @hud dependencies from the tarballs, and no runtime, Harbor or SDK', () => {
    expect(closure).toEqual(
      expect.arrayContaining(['@hud/cli', '@hud/agents', '@hud/eval', '@hud/runtimes-local']),
    );
    expect(closure).not.toContain('@hud/runtimes-docker');
    expect(closure).not.toContain('@hud/harbor');
    const lock = JSON.parse(readFileSync(path.join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>;
    };
    const hudEntries = Object.entries(lock.packages).filter(([key]) =>
      key.startsWith('node_modules/@hud/'),
    );
    expect(hudEntries.map(([key]) => key.slice('node_modules/'.length)).sort()).toEqual(closure);
    for (const [key, entry] of hudEntries) expect(entry.resolved, key).toMatch(/^file:/);
    // Optional peers stay out until asked for: users install only the runtimes and SDKs they use. (tar-fs,
    // pure JS, is the CLI's own since `hud deploy` packs build contexts with it; the engine client is not.)
    for (const name of [
      '@hud/runtimes-docker',
      '@hud/harbor',
      'dockerode',
      'docker-modem',
      '@anthropic-ai/sdk',
      'openai',
      '@google/genai',
    ]) {
      expect(installed(project, name), name).toBe(false);
    }
  });

  it(
    'npx hud init demo && cd demo && npx hud eval tasks.ts oracle --all scores 1.0',
    async () => {
      const init = await run('npx', ['--no', 'hud', 'init', 'demo'], { cwd: project });
      expect(init.code, init.stderr).toBe(0);
      demo = path.join(project, 'demo');
      const evaluated = await run('npx', ['--no', 'hud', 'eval', 'tasks.ts', 'oracle', '--all'], {
        cwd: demo,
        env: userEnv({ HOME: mkdtempSync(path.join(root, 'home-')) }),
      });
      expect(evaluated.code, evaluated.stderr).toBe(0);
      expect(evaluated.stdout).toContain(`on local (${path.join(demo, 'env.ts')})`);
      expect(evaluated.stdout).toMatch(/reward 1\.000 over 2 graded runs/);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'hud eval … claude without @anthropic-ai/sdk prints the install line; after installing it, claude runs',
    async () => {
      await using fake = await startFakeProvider({
        handler: (body) => ({ text: countAnswer(promptOf(body)) }),
      });
      const claudeEnv = () =>
        userEnv({
          HOME: mkdtempSync(path.join(root, 'home-')),
          ANTHROPIC_API_KEY: 'test',
          ANTHROPIC_BASE_URL: fake.url,
        });
      const missing = await run('npx', ['--no', 'hud', 'eval', 'tasks.ts', 'claude', '--all'], {
        cwd: demo,
        env: claudeEnv(),
      });
      // The CLI loads the harness (and its SDK) before any run starts: one line, a non-zero exit, no job.
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain(CLAUDE_INSTALL_LINE);
      expect(fake.requests).toHaveLength(0);

      // The version range the packages declare for the SDK (what a plain `npm install @anthropic-ai/sdk`
      // picks while its latest release is inside that range).
      const agents = JSON.parse(
        readFileSync(path.join(project, 'node_modules/@hud/agents/package.json'), 'utf8'),
      );
      const range = agents.peerDependencies['@anthropic-ai/sdk'];
      const sdk = await npmInstall(project, [`@anthropic-ai/sdk@${range}`]);
      expect(sdk.code, sdk.stderr).toBe(0);
      const works = await run('npx', ['--no', 'hud', 'eval', 'tasks.ts', 'claude', '--all'], {
        cwd: demo,
        env: claudeEnv(),
      });
      expectSummary(works, /reward 1\.000 over 2 graded runs/);
      expect(fake.requestsFor('anthropic-messages')).toHaveLength(2);
    },
    2 * STEP_TIMEOUT_MS,
  );

  it(
    'hud eval … --runtime docker without @hud/runtimes-docker prints the install line and exits non-zero',
    async () => {
      const missing = await run(
        'npx',
        ['--no', 'hud', 'eval', 'tasks.ts', 'oracle', '--all', '--runtime', 'docker', '--no-reap'],
        { cwd: demo },
      );
      expect(missing.code).not.toBe(0);
      expect(missing.code).not.toBeNull();
      expect(missing.stderr).toContain(DOCKER_INSTALL_LINE);
      expect(missing.stdout).not.toMatch(/graded run/);
    },
    STEP_TIMEOUT_MS,
  );

  it.skipIf(!hasDocker)(
    'after npm install of the @hud/runtimes-docker tarball, hud build + hud eval --runtime docker score 1.0',
    async () => {
      const added = await npmInstall(project, [tarballs.get('@hud/runtimes-docker') as string]);
      expect(added.code, added.stderr).toBe(0);
      expect(installed(project, '@hud/runtimes-docker')).toBe(true);
      expect(installed(project, '@hud/harbor')).toBe(false);
      // hud init's Dockerfile.hud runs `npm install` inside the image: that needs the network and the
      // packages on the registry. Without it, hud build bundles env.ts and the installed CLI into
      // .hud/build/ and builds its generated offline Dockerfile on the local base image.
      rmSync(path.join(demo, 'Dockerfile.hud'));
      const built = await run(
        'npx',
        ['--no', 'hud', 'build', '.', '--tag', TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
        { cwd: demo },
      );
      expect(built.code, built.stderr).toBe(0);
      expect(built.stdout).toMatch(new RegExp(`^built ${escaped(TAG)} `, 'm'));
      const evaluated = await run(
        'npx',
        ['--no', 'hud', 'eval', 'tasks.ts', 'oracle', '--all', '--runtime', 'docker', '--no-reap'],
        { cwd: demo },
      );
      expect(evaluated.code, evaluated.stderr).toBe(0);
      expect(`${evaluated.stdout}${evaluated.stderr}`).toContain(`on docker (${TAG})`);
      expect(evaluated.stdout).toMatch(/reward 1\.000 over 2 graded runs/);
    },
    2 * STEP_TIMEOUT_MS,
  );
});
