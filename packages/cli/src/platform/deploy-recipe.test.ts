import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { deployEnvironment, environmentNames, findDeployRecipe } from './deploy-recipe.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-recipe-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

it('reads the name literal of each new Environment({...})', () => {
  expect(
    environmentNames(`
      export const env = new Environment({ name: 'sample-env', version: '0.1.0' });
      const other = new Environment({
        version: "1",
        name: "second",
      });
      const notOne = new Environment(options);
    `),
  ).toEqual(['sample-env', 'second']);
});

it('prefers Dockerfile.hud and names the environment of the served file', () => {
  const dir = project({
    Dockerfile: 'FROM x\n',
    'Dockerfile.hud': 'FROM x\nCMD ["hud", "serve", "other.ts"]\n',
    'env.ts': "new Environment({ name: 'from-env-ts' })",
    'other.ts': "new Environment({ name: 'served' })",
  });
  expect(findDeployRecipe(dir)).toBe('Dockerfile.hud');
  expect(deployEnvironment(dir, 'Dockerfile.hud')).toEqual({
    name: 'served',
    envFile: path.join(dir, 'other.ts'),
  });
  expect(deployEnvironment(dir, 'Dockerfile').name).toBe('from-env-ts');
});

it('falls back to the one name in the directory, and refuses none or several', () => {
  const one = project({ Dockerfile: 'FROM x\n', 'main.ts': "new Environment({ name: 'solo' })" });
  expect(deployEnvironment(one, 'Dockerfile').name).toBe('solo');
  const none = project({ Dockerfile: 'FROM x\n', 'main.ts': 'export {}' });
  expect(() => deployEnvironment(none, 'Dockerfile')).toThrow(
    /no environment name in .*new Environment/,
  );
  const two = project({
    Dockerfile: 'FROM x\n',
    'a.ts': "new Environment({ name: 'a' })",
    'b.ts': "new Environment({ name: 'b' })",
  });
  expect(() => deployEnvironment(two, 'Dockerfile')).toThrow(/several environments .*\(a, b\)/);
});
