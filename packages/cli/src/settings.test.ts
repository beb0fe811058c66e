import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, setUserSetting, userSettingsFile } from './settings.js';

function scratch() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hud-settings-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'project');
  mkdirSync(cwd, { recursive: true });
  return { home, cwd };
}

describe('settings (process env > ./.env > ~/.hud/.env, as hud-python)', () => {
  it('layers the three sources in that order', () => {
    const { home, cwd } = scratch();
    setUserSetting('A', 'home', home);
    setUserSetting('B', 'home', home);
    setUserSetting('C', 'home', home);
    writeFileSync(path.join(cwd, '.env'), 'B=project\nC=project\n');
    const settings = loadSettings({ home, cwd, env: { C: 'process' } });
    expect([settings.A, settings.B, settings.C]).toEqual(['home', 'project', 'process']);
  });

  it('hud set replaces a key in place and keeps other lines', () => {
    const { home } = scratch();
    setUserSetting('KEY', 'one', home);
    setUserSetting('OTHER', 'x y', home);
    setUserSetting('KEY', 'two', home);
    expect(readFileSync(userSettingsFile(home), 'utf8')).toBe('KEY=two\nOTHER="x y"\n');
    expect(loadSettings({ home, cwd: home, env: {} })).toMatchObject({ KEY: 'two', OTHER: 'x y' });
  });

  it('refuses a key that is not a variable name', () => {
    expect(() => setUserSetting('1BAD', 'x', scratch().home)).toThrow(/not a valid setting name/);
  });
});
