import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HudError } from '@hud/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { Environment } from './environment.js';
import { importModule, loadEnvironment, resolveEnvironmentFile } from './loader.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/loader/', import.meta.url));
const source = fileURLToPath(new URL('./environment.ts', import.meta.url));
const packageIndex = fileURLToPath(new URL('./index.ts', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'hud-loader-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

async function loadError(target: string, options = {}): Promise<HudError> {
  try {
    await loadEnvironment(target, { cwd: fixtures, ...options });
  } catch (error) {
    if (HudError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected loadEnvironment to fail');
}

describe('resolveEnvironmentFile', () => {
  it('takes a file as is, a bare name as name.ts, a directory as its env.ts', () => {
    expect(resolveEnvironmentFile('multi.ts', fixtures)).toBe(path.join(fixtures, 'multi.ts'));
    expect(resolveEnvironmentFile('multi', fixtures)).toBe(path.join(fixtures, 'multi.ts'));
    expect(resolveEnvironmentFile('single', fixtures)).toBe(path.join(fixtures, 'single/env.ts'));
    expect(resolveEnvironmentFile('single/env', fixtures)).toBe(
      path.join(fixtures, 'single/env.ts'),
    );
  });

  it('names what it looked for in a directory without an environment file', () => {
    expect(() => resolveEnvironmentFile('empty-dir', fixtures)).toThrow(
      `no environment file in ${path.join(fixtures, 'empty-dir')} (looked for env.ts, env.mts, env.js, env.mjs, index.ts, index.js)`,
    );
  });

  it('reports a missing file as load_failed', () => {
    let error: unknown;
    try {
      resolveEnvironmentFile('nowhere/env.ts', fixtures);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'load_failed',
      message: `environment file not found: ${path.join(fixtures, 'nowhere/env.ts')}`,
    });
  });
});

describe('loadEnvironment', () => {
  it("loads a .ts file whose './x.js' imports map to x.ts", async () => {
    const { env, file } = await loadEnvironment('single/env.ts', { cwd: fixtures });
    expect(Environment.isInstance(env)).toBe(true);
    expect([env.name, env.version]).toEqual(['single', '2.0.0']);
    expect(file).toBe(path.join(fixtures, 'single/env.ts'));
  });

  it('loads a directory through its env.ts; one instance exported twice is one environment', async () => {
    const { env, file } = await loadEnvironment(path.join(fixtures, 'single'));
    expect(env.name).toBe('single');
    expect(file).toBe(path.join(fixtures, 'single/env.ts'));
  });

  it('lists the environments when a file exports several', async () => {
    const error = await loadError('multi.ts');
    expect(error.code).toBe('environment_ambiguous');
    expect(error.message).toBe(
      `multiple Environments in ${path.join(fixtures, 'multi.ts')}: alpha (alpha-env), beta (beta-env); select one by name`,
    );
  });

  it('picks one by export name or by env.name', async () => {
    expect((await loadEnvironment('multi.ts', { cwd: fixtures, name: 'alpha' })).env.name).toBe(
      'alpha-env',
    );
    expect((await loadEnvironment('multi.ts', { cwd: fixtures, name: 'beta-env' })).env.name).toBe(
      'beta-env',
    );
  });

  it('names the wanted environment when none matches', async () => {
    const error = await loadError('multi.ts', { name: 'gamma' });
    expect(error.code).toBe('environment_not_found');
    expect(error.message).toBe(
      `no Environment named 'gamma' exported by ${path.join(fixtures, 'multi.ts')} (exports: alpha, beta)`,
    );
  });

  it('lists the exports of a file without environments', async () => {
    const error = await loadError('none.ts');
    expect(error.code).toBe('environment_not_found');
    expect(error.message).toBe(
      `no Environment exported by ${path.join(fixtures, 'none.ts')} (exports: answer, helper)`,
    );
  });

  it('reports a syntax error as load_failed naming the file', async () => {
    const file = scratchFile('broken.ts', 'export const env = new (;\n');
    const error = await loadError(file);
    expect(error.code).toBe('load_failed');
    expect(error.message.startsWith(`failed to load ${file}: `)).toBe(true);
    expect(error.cause).toBeDefined();
  });

  it('reports a failing import as load_failed naming the file', async () => {
    const file = scratchFile(
      'bad-import.ts',
      "import { x } from './missing.js';\nexport const y = x;\n",
    );
    const error = await loadError(file);
    expect(error.code).toBe('load_failed');
    expect(error.message).toMatch(
      new RegExp(`^failed to load ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    );
  });

  it('reports an exception thrown while the module runs as load_failed', async () => {
    const file = scratchFile('throws.ts', "throw new Error('env needs DATABASE_URL');\n");
    const error = await loadError(file);
    expect(error.message).toBe(`failed to load ${file}: env needs DATABASE_URL`);
  });

  it('reports a missing file as load_failed', async () => {
    const error = await loadError(path.join(scratch, 'absent.ts'));
    expect(error.code).toBe('load_failed');
    expect(error.message).toBe(`environment file not found: ${path.join(scratch, 'absent.ts')}`);
  });

  it('loads a .js environment beside TypeScript ones', async () => {
    const file = scratchFile(
      'plain.mjs',
      `import { Environment } from ${JSON.stringify(source)};\nexport const env = new Environment({ name: 'from-js' });\n`,
    );
    expect((await loadEnvironment(file)).env.name).toBe('from-js');
  });
});

describe('module fallbacks (packages a host lends to files that do not install them)', () => {
  const lent = () =>
    scratchFile(
      'lent.ts',
      "import { Environment } from '@hud/not-installed-anywhere';\nexport const env = new Environment({ name: 'lent' });\n",
    );

  it('fails to load a file importing a package it cannot resolve', async () => {
    const error = await loadError(lent());
    expect(error.code).toBe('load_failed');
    expect(error.message).toContain('@hud/not-installed-anywhere');
  });

  it('lends the fallback to such a file', async () => {
    const { env } = await loadEnvironment(lent(), {
      fallbacks: { '@hud/not-installed-anywhere': packageIndex },
    });
    expect(env.name).toBe('lent');
    expect(Environment.isInstance(env)).toBe(true);
  });

  it('never replaces a package the file resolves itself', async () => {
    const fake = scratchFile('fake-protocol.mjs', "export const ErrorCode = 'fake';\n");
    const module = await importModule(path.join(fixtures, 'own-protocol.ts'), {
      fallbacks: { '@hud/protocol': fake },
    });
    expect(module.ErrorCode).toMatchObject({ ParseError: -32700 });
  });
});
