import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { gatewayArgs, resolveGatewayBin, spawnGateway } from './gateway-bin.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'hud-gateway-bin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A project directory with `@hud/gateway` installed in its node_modules (bin `bin/hud-gateway.js`). */
function projectWithGateway(
  name: string,
  bin: unknown = { 'hud-gateway': './bin/hud-gateway.js' },
) {
  const project = path.join(scratch, name);
  const pkg = path.join(project, 'node_modules', '@hud', 'gateway');
  mkdirSync(path.join(pkg, 'bin'), { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({
      name: '@hud/gateway',
      type: 'module',
      bin,
      exports: { './package.json': './package.json' },
    }),
  );
  writeFileSync(path.join(pkg, 'bin', 'hud-gateway.js'), '');
  writeFileSync(path.join(project, 'package.json'), '{"name":"project"}');
  return { project, pkg };
}

describe('resolveGatewayBin', () => {
  // (Its absence is checked end to end, packages/e2e/src/gateway-cli-bin.test.ts: this process has a
  // NODE_PATH from pnpm's shim under which the workspace's own @hud/gateway resolves from anywhere.)
  it('finds the hud-gateway bin of @hud/gateway in the node_modules a require from the start point sees', () => {
    const { project, pkg } = projectWithGateway('installed');
    expect(resolveGatewayBin([path.join(project, 'package.json')])).toBe(
      path.join(pkg, 'bin', 'hud-gateway.js'),
    );
  });

  it('names the manifest when the package declares no hud-gateway bin', () => {
    const { project } = projectWithGateway('no-bin', { other: './x.js' });
    expect(() => resolveGatewayBin([path.join(project, 'package.json')])).toThrow(
      /package\.json declares no hud-gateway bin/,
    );
  });
});

describe('gatewayArgs', () => {
  it('passes the flags on, --data-dir defaulting to ~/.hud/gateway', () => {
    expect(gatewayArgs({ host: '127.0.0.1', port: '7600' }, '/home/u')).toEqual([
      '--host',
      '127.0.0.1',
      '--port',
      '7600',
      '--data-dir',
      '/home/u/.hud/gateway',
    ]);
    expect(
      gatewayArgs(
        {
          host: '0.0.0.0',
          port: '0',
          dataDir: '/srv/gw',
          databaseUrl: 'postgres://db.example.com/hud',
          registry: '127.0.0.1:5000',
          logLevel: 'warn',
        },
        '/home/u',
      ),
    ).toEqual([
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--data-dir',
      '/srv/gw',
      '--database-url',
      'postgres://db.example.com/hud',
      '--registry',
      '127.0.0.1:5000',
      '--log-level',
      'warn',
    ]);
  });
});

describe('spawnGateway (the fallback where process.execve is missing)', () => {
  it("returns the child's exit code", async () => {
    const bin = path.join(scratch, 'exits-7.mjs');
    writeFileSync(bin, 'process.exit(7);\n');
    expect(await spawnGateway(bin, [])).toBe(7);
  });

  it('forwards SIGTERM to the child, whose exit code comes back', async () => {
    const ready = path.join(scratch, 'ready');
    const bin = path.join(scratch, 'waits.mjs');
    writeFileSync(
      bin,
      `import { writeFileSync } from 'node:fs';
process.on('SIGTERM', () => process.exit(3));
writeFileSync(process.argv[2], 'ok');
setInterval(() => {}, 1000);
`,
    );
    const exit = spawnGateway(bin, [ready]);
    while (!existsSync(ready)) await delay(20);
    // The signal as this process receives it: its handlers forward it to the child.
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(3);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});
