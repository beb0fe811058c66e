import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built CLI (turbo builds it before its tests), run as a user who installed @hud/cli alone: a module
// hook makes the optional peers and their dependencies unresolvable, as they are in such a project.
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

const HOOK = `import { registerHooks } from 'node:module';
const hidden = /^(@hud\\/runtimes-docker|@hud\\/harbor|dockerode|tar-fs)(\\/|$)/;
registerHooks({
  resolve(specifier, context, nextResolve) {
    const match = hidden.exec(specifier);
    if (match) {
      const error = new Error("Cannot find package '" + match[1] + "' imported from " + context.parentURL);
      error.code = 'ERR_MODULE_NOT_FOUND';
      throw error;
    }
    return nextResolve(specifier, context);
  },
});
`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('hud without its optional peers (@hud/runtimes-docker, @hud/harbor)', () => {
  let dir: string;
  let hook: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hud-no-peers-'));
    hook = path.join(dir, 'hide-optional-peers.mjs');
    await writeFile(hook, HOOK);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function hud(...args: string[]): Promise<Ran> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', pathToFileURL(hook).href, BIN, ...args], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const store = () => ['--store', path.join(dir, 'jobs')];
  const letterCount = () => path.join(EXAMPLES, 'letter-count/tasks.ts');

  it('prints its help and version', async () => {
    const help = await hud('--help');
    expect(help.stderr).not.toContain('Cannot find package');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: hud');
    const version = await hud('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('runs an eval on the default local runtime', async () => {
    const ran = await hud('eval', letterCount(), 'oracle', ...store());
    expect(ran.stderr).not.toContain('needs @hud');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/hud eval: 1 task × 1 with oracle on local/);
  });

  it('says which package --runtime docker needs, and exits 1', async () => {
    const docker = await hud('eval', letterCount(), 'oracle', '--runtime', 'docker', ...store());
    expect(docker.stderr.split('\n')).toContain(
      'hud: hud eval --runtime docker needs @hud/runtimes-docker, which is not installed: npm install @hud/runtimes-docker',
    );
    expect(docker.code).toBe(1);
  });

  it('says which package hud build and hud debug need, and exits 1', async () => {
    const build = await hud('build', path.join(EXAMPLES, 'letter-count'));
    expect(build.stderr).toContain(
      'hud build needs @hud/runtimes-docker, which is not installed: npm install @hud/runtimes-docker',
    );
    expect(build.code).toBe(1);
    const debug = await hud('debug', 'letter-count:latest');
    expect(debug.stderr).toContain(
      'hud debug needs @hud/runtimes-docker, which is not installed: npm install @hud/runtimes-docker',
    );
    expect(debug.code).toBe(1);
  });

  it('tells a Harbor task directory apart and says it needs @hud/harbor', async () => {
    const task = path.join(EXAMPLES, 'harbor/fix-greeting');
    const ran = await hud('eval', task, 'oracle', ...store());
    expect(ran.stderr).toContain(
      `hud eval ${task} (Harbor tasks) needs @hud/harbor, which is not installed: npm install @hud/harbor`,
    );
    expect(ran.code).toBe(1);
  });
});
