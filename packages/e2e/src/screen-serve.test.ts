import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RfbClient } from '@hud/protocol';
import { alive } from '@hud/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { lacking } from './support/host.js';
import { connectClient, serveEnv } from './support/served-env.js';

// `hud serve` of an env file with a password-protected env.screen(), as a separate process: the agent side
// logs in with VNC authentication through the tunnel, and SIGTERM leaves no Xvfb or x11vnc behind.

const missing = lacking(['Xvfb', 'x11vnc'], 'hud serve screen test');

// Outside the repo: the CLI lends the env file its own @hud/environment.
const scratch = mkdtempSync(path.join(tmpdir(), 'hud-screen-e2e-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ENV_FILE = `import { Environment } from '@hud/environment';
export const env = new Environment({ name: 'screen-serve' });
env.screen({ width: 640, height: 480, password: 'sesame12' });
`;

/** `{pid, ppid, args}` of every process. */
function processTable(): { pid: number; ppid: number; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] ?? '' }));
}

describe.skipIf(missing)('hud serve with env.screen()', () => {
  it('serves a password-protected screen and stops Xvfb and x11vnc on SIGTERM', async () => {
    const file = path.join(scratch, 'env.ts');
    writeFileSync(file, ENV_FILE);
    const served = await serveEnv(file);
    let stopped = false;
    try {
      const client = await connectClient(served);
      const binding = client.binding('screen');
      expect(binding.protocol).toBe('rfb/3.8');
      expect(binding.params).toMatchObject({ password: 'sesame12', width: 640, height: 480 });
      const display = binding.params.display as number;

      const rfb = await client.open<RfbClient>('screen');
      const png = await rfb.screenshot();
      // PNG IHDR: width and height as big-endian U32 at bytes 16 and 20.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 480]);
      await client.close();

      const daemons = processTable().filter(
        ({ ppid, args }) =>
          ppid === served.child.pid && /^(Xvfb|x11vnc) /.test(args) && !args.includes('<defunct>'),
      );
      expect(daemons.map(({ args }) => args.split(' ')[0]).sort()).toEqual(['Xvfb', 'x11vnc']);
      expect(daemons.find(({ args }) => args.startsWith('x11vnc'))?.args).toContain(
        `-display :${display} `,
      );
      expect(existsSync(`/tmp/.X11-unix/X${display}`)).toBe(true);

      expect(await served.stop()).toBe(0);
      stopped = true;
      expect(daemons.filter(({ pid }) => alive(pid))).toEqual([]);
      expect(processTable().filter(({ args }) => args.includes(`-display :${display} `))).toEqual(
        [],
      );
      expect(existsSync(`/tmp/.X11-unix/X${display}`)).toBe(false);
    } finally {
      if (!stopped) await served.stop();
    }
  });
});
