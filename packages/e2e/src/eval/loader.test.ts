import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentOfTask, importModule } from '@hud/environment';
import { loadTaskset } from '@hud/eval';
import { tempDirEachTest } from '@hud/testing';
import { describe, expect, it } from 'vitest';

// Taskset modules loaded through @hud/environment's module importer, as `hud eval` loads them (the JSON and
// JSONL loader's own tests stay in packages/eval/src/loader.test.ts).
const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const scratch = tempDirEachTest('hud-eval-loader-');

async function write(name: string, text: string): Promise<string> {
  const file = path.join(scratch.path, name);
  await writeFile(file, text);
  return file;
}

describe('loadTaskset: modules', () => {
  it('collects exported rows, arrays and Tasksets (default too), skipping _names and non-tasks', async () => {
    const file = path.join(fixtures, 'module-source', 'tasks.ts');
    const taskset = await loadTaskset(file, { importModule });
    expect(taskset.name).toBe('tasks');
    expect(taskset.tasks.map((task) => task.id).sort()).toEqual([
      'in-set',
      'listed',
      'loose',
      'shared',
    ]);
  });

  it('loads a directory through its tasks.ts, keeping minted rows and the Taskset name', async () => {
    const taskset = await loadTaskset(path.join(fixtures, 'minted-source'), { importModule });
    expect(taskset.name).toBe('minted');
    expect(taskset.size).toBe(2);
    const [first] = taskset.tasks;
    expect((environmentOfTask(first as never) as { name: string }).name).toBe('counter');
  });

  it('needs an importer for modules and names the file when the import fails', async () => {
    const file = path.join(fixtures, 'module-source', 'tasks.ts');
    await expect(loadTaskset(file)).rejects.toThrow('needs a module importer');
    const broken = await write('broken.ts', 'export const x = ;');
    await expect(loadTaskset(broken, { importModule })).rejects.toThrow(broken);
    const none = await write('none.ts', 'export const x = 1;');
    await expect(loadTaskset(none, { importModule })).rejects.toThrow(`no tasks in ${none}`);
  });
});
