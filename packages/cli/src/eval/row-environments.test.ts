import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TaskRow } from '@hud/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { localEnvironments, placeRows } from './row-environments.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hud-row-envs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const envFile = (name: string) =>
  `import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: '${name}', version: '0.1.0' });\n`;
writeFileSync(path.join(dir, 'env.ts'), envFile('alpha'));
mkdirSync(path.join(dir, 'beta'));
writeFileSync(path.join(dir, 'beta', 'env.ts'), envFile('beta'));
// Declares nothing: not imported (importing it would throw).
mkdirSync(path.join(dir, 'notes'));
writeFileSync(path.join(dir, 'notes', 'env.ts'), "throw new Error('imported');\n");
mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
writeFileSync(path.join(dir, 'node_modules', 'x', 'env.ts'), envFile('hidden'));

const row = (env: string, slug: string, extra: Partial<TaskRow> = {}): TaskRow => ({
  env,
  id: 't',
  slug,
  args: {},
  ...extra,
});
const fallbacks = hudModuleFallbacks();

describe('localEnvironments', () => {
  it('finds the env files of the folder and its subfolders by the names they declare (node_modules skipped)', async () => {
    const found = await localEnvironments(dir, fallbacks);
    expect(Object.fromEntries(found)).toEqual({
      alpha: path.join(dir, 'env.ts'),
      beta: path.join(dir, 'beta', 'env.ts'),
    });
  });
});

describe('placeRows', () => {
  const images: Record<string, string> = { gamma: 'registry.example.com/gamma:v0.1.2' };
  const imageOf = async (env: string) => images[env];

  it('serves declared environments from their env files, the others from their deployed image', async () => {
    const placement = await placeRows({
      tasks: [
        row('alpha', 'a'),
        row('gamma', 'g', { verifier: row('beta', 'v') }),
        row('own-image', 'o', { runtime_config: { image: 'example.org/own:1' } }),
      ],
      cwd: dir,
      fallbacks,
      imageOf,
      taskset: 'mixed',
    });
    expect(Object.fromEntries(placement.local)).toEqual({
      alpha: path.join(dir, 'env.ts'),
      beta: path.join(dir, 'beta', 'env.ts'),
    });
    expect(Object.fromEntries(placement.images)).toEqual(images);
  });

  it('names each environment with neither, its tasks, and the ways out', async () => {
    await expect(
      placeRows({
        tasks: [row('alpha', 'a'), row('delta', 'd1'), row('delta', 'd2')],
        cwd: dir,
        fallbacks,
        imageOf,
        taskset: 'broken',
      }),
    ).rejects.toThrow(
      `taskset 'broken' needs environment 'delta' (tasks d1, d2), which no env file in ${dir} (or its subfolders) declares and the platform has no deployed image of: run hud eval in the environment's folder, deploy it with \`hud deploy\`, or run on the platform with --remote`,
    );
  });
});
