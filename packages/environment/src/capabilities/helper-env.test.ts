import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { installed } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromiumBrowser, DEFAULT_CHROMIUM_PATH } from './browser.js';
import { helperProcessEnv } from './browser-process.js';
import { Screen } from './screen.js';

// The helper daemons an environment starts for its capabilities (Chromium, Xvfb, x11vnc) must not carry
// the serving process's secrets: real processes, their /proc/<pid>/environ read back.

const PLANTED = {
  HUD_TEST_SECRET_XYZ: 'planted-value-123',
  ANTHROPIC_API_KEY: 'sk-planted-anthropic-456',
  OPENAI_API_KEY: 'sk-planted-openai-789',
} as const;

beforeAll(() => {
  Object.assign(process.env, PLANTED);
});
afterAll(() => {
  for (const name of Object.keys(PLANTED)) delete process.env[name];
});

/** The environment of `pid` as `NAME=value` lines. */
function environOf(pid: number): string {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').replaceAll('\0', '\n');
}

/** Pids of the live processes in process group `pgid`. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

function leaked(text: string): string[] {
  return Object.values(PLANTED).filter((value) => text.includes(value));
}

describe('helperProcessEnv', () => {
  it('keeps the allow-listed variables (and LC_*, XDG_* prefixes) only', () => {
    expect(
      helperProcessEnv({
        PATH: '/usr/bin',
        LC_TIME: 'C',
        XDG_RUNTIME_DIR: '/run/user/0',
        https_proxy: 'http://proxy.example.com:3128',
        ANTHROPIC_API_KEY: 'sk-x',
        AWS_SECRET_ACCESS_KEY: 'y',
        HUD_API_KEY: 'z',
        PATHS: 'not PATH',
      }),
    ).toEqual({
      PATH: '/usr/bin',
      LC_TIME: 'C',
      XDG_RUNTIME_DIR: '/run/user/0',
      https_proxy: 'http://proxy.example.com:3128',
    });
  });
});

describe.skipIf(!existsSync(DEFAULT_CHROMIUM_PATH))('Chromium started by env.browser()', () => {
  it('runs with an allow-listed environment: no provider key in any of its processes', async () => {
    const browser = await ChromiumBrowser.launch();
    try {
      // The watchdog shell (the group leader) keeps this process's environment; it runs no web content.
      const chromium = groupMembers(browser.pgid).filter((pid) => pid !== browser.pgid);
      expect(chromium.length).toBeGreaterThan(0);
      const environs = chromium.map(environOf);
      for (const environ of environs) expect(leaked(environ)).toEqual([]);
      // Chromium's helpers rewrite their process title over the environ block (setproctitle), so only
      // the browser process itself is sure to still show its environment.
      expect(environs.some((environ) => /^PATH=/m.test(environ))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

describe.skipIf(!installed('Xvfb') || !installed('x11vnc'))(
  'Xvfb and x11vnc of env.screen()',
  () => {
    it('run with an allow-listed environment', async () => {
      const screen = new Screen({ width: 320, height: 200 });
      await screen.start();
      try {
        for (const pid of Object.values(screen.pids)) {
          expect(leaked(environOf(pid))).toEqual([]);
        }
      } finally {
        await screen.stop();
      }
    });
  },
);
