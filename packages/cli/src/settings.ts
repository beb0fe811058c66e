import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'dotenv';

/** Where `hud set` keeps user settings (hud-python: `~/.hud/.env`). */
export function userSettingsFile(home: string = os.homedir()): string {
  return path.join(home, '.hud', '.env');
}

function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return parse(readFileSync(file, 'utf8'));
}

/**
 * Settings with hud-python's precedence: the process environment, then `./.env`, then `~/.hud/.env`.
 * Only the CLI reads these; libraries get values passed in.
 */
export function loadSettings(
  options: { cwd?: string; home?: string; env?: NodeJS.ProcessEnv } = {},
): Record<string, string | undefined> {
  return {
    ...readEnvFile(userSettingsFile(options.home)),
    ...readEnvFile(path.join(options.cwd ?? process.cwd(), '.env')),
    ...(options.env ?? process.env),
  };
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(value: string): string {
  return /^[\w@%+=:,./-]*$/.test(value) ? value : JSON.stringify(value);
}

/**
 * Sets `key=value` in `~/.hud/.env`, replacing an existing line for the key and keeping every other line.
 * @throws Error when the key is not a valid variable name.
 */
export function setUserSetting(key: string, value: string, home?: string): string {
  if (!KEY.test(key))
    throw new Error(`'${key}' is not a valid setting name (letters, digits and _)`);
  const file = userSettingsFile(home);
  mkdirSync(path.dirname(file), { recursive: true });
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const line = `${key}=${quote(value)}`;
  const index = lines.findIndex(
    (existing) =>
      existing
        .replace(/^export\s+/, '')
        .split('=')[0]
        ?.trim() === key,
  );
  if (index === -1) {
    lines.push(line);
  } else {
    lines[index] = line;
  }
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/**
 * `HUD_FILE_TRACKING_ENABLED` (default true, spec Appendix A): off for `0`, `false`, `no`, `off` (any case),
 * as hud-python's boolean settings.
 */
export function fileTrackingEnabled(value: string | undefined): boolean {
  const normalized = value?.trim().toLowerCase();
  return !(normalized && ['0', 'false', 'no', 'off'].includes(normalized));
}
