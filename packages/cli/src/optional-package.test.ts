import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOptional, MissingPackageError, packageOf } from './optional-package.js';

describe('loadOptional', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('names the command and the package to install when the package is not installed', async () => {
    const loading = loadOptional('@hud/not-installed-anywhere', 'hud eval --runtime docker');
    const error = await loading.catch((caught: unknown) => caught);
    expect(MissingPackageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'hud eval --runtime docker needs @hud/not-installed-anywhere, which is not installed: npm install @hud/not-installed-anywhere',
    );
    expect(error).toMatchObject({
      code: 'load_failed',
      packageName: '@hud/not-installed-anywhere',
      command: 'hud eval --runtime docker',
    });
  });

  it('names the package, not the subpath, for a subpath of a missing package', async () => {
    await expect(loadOptional('not-installed-anywhere/results', 'hud eval x')).rejects.toThrow(
      'hud eval x needs not-installed-anywhere, which is not installed: npm install not-installed-anywhere',
    );
  });

  it('loads an installed package', async () => {
    const docker = await loadOptional<typeof import('@hud/runtimes-docker')>(
      '@hud/runtimes-docker',
      'hud build',
    );
    expect(docker.DockerRuntime).toBeTypeOf('function');
  });

  it("passes on a module's own missing import as it is (a broken install is not a missing package)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hud-optional-'));
    dirs.push(dir);
    const file = path.join(dir, 'broken.mjs');
    await writeFile(file, "import 'hud-dependency-not-installed';\n");
    const error = await loadOptional(pathToFileURL(file).href, 'hud build').catch(
      (caught: unknown) => caught,
    );
    expect(MissingPackageError.isInstance(error)).toBe(false);
    expect(String(error)).toContain('hud-dependency-not-installed');
  });
});

describe('packageOf', () => {
  it('takes the package of a bare specifier, scoped or not', () => {
    expect(packageOf('@hud/harbor/results')).toBe('@hud/harbor');
    expect(packageOf('@hud/runtimes-docker')).toBe('@hud/runtimes-docker');
    expect(packageOf('dockerode/lib/x.js')).toBe('dockerode');
  });
});
