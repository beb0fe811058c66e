import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectConfigFile, readProjectConfig, updateProjectConfig } from './project-config.js';

const project = () => mkdtempSync(path.join(tmpdir(), 'hud-project-'));

describe('.hud/config.json', () => {
  it('is empty before anything links the project', () => {
    expect(readProjectConfig(project())).toEqual({});
  });

  it("merges writes, keeping the other command's keys and unknown keys", () => {
    const dir = project();
    mkdirSync(path.join(dir, '.hud'));
    writeFileSync(projectConfigFile(dir), '{"tasksetId":"t-1","future":{"x":1}}');
    updateProjectConfig(dir, {
      registryId: 'r-1',
      registryName: 'letter-count',
      tasksetId: undefined,
    });
    expect(JSON.parse(readFileSync(projectConfigFile(dir), 'utf8'))).toEqual({
      tasksetId: 't-1',
      future: { x: 1 },
      registryId: 'r-1',
      registryName: 'letter-count',
    });
  });

  it("reads hud-python's legacy deploy.json and migrates it on write", () => {
    const dir = project();
    mkdirSync(path.join(dir, '.hud'));
    writeFileSync(path.join(dir, '.hud', 'deploy.json'), '{"registryId":"r-old"}');
    expect(readProjectConfig(dir)).toEqual({ registryId: 'r-old' });
    updateProjectConfig(dir, { tasksetId: 't-2' });
    expect(readProjectConfig(dir)).toEqual({ registryId: 'r-old', tasksetId: 't-2' });
    expect(existsSync(path.join(dir, '.hud', 'deploy.json'))).toBe(false);
  });

  it('names the file and the key when the link is malformed', () => {
    const dir = project();
    mkdirSync(path.join(dir, '.hud'));
    writeFileSync(projectConfigFile(dir), '{"syncEnv":"yes"}');
    expect(() => readProjectConfig(dir)).toThrow(/config\.json: syncEnv .*fix or delete it/);
    writeFileSync(projectConfigFile(dir), '{not json');
    expect(() => updateProjectConfig(dir, {})).toThrow(/config\.json is not valid JSON/);
  });
});
