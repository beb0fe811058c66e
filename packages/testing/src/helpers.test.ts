import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { alive, installed, missingCommands } from './host-tools.js';
import { MCP_INITIALIZE, rfbSecurityTypes } from './service-probes.js';
import { tempDirEachTest } from './temp-dir.js';

describe('host tools', () => {
  it('tell installed commands from missing ones', () => {
    expect(installed('sh')).toBe(true);
    expect(installed('hud-no-such-command')).toBe(false);
    expect(missingCommands(['sh', 'hud-no-such-command', 'ls'])).toEqual(['hud-no-such-command']);
  });

  it('tell a live process from one that exited and was reaped', async () => {
    expect(alive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    expect(alive(child.pid as number)).toBe(false);
  });
});

describe('service probes', () => {
  it('MCP_INITIALIZE is a JSON-RPC initialize request', () => {
    expect(JSON.parse(MCP_INITIALIZE)).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25' },
    });
  });

  it('rfbSecurityTypes reads the type list after the RFB 3.8 version exchange', async () => {
    const versions: string[] = [];
    const server = net.createServer((socket) => {
      socket.write('RFB 003.008\n');
      socket.once('data', (version) => {
        versions.push(version.toString());
        socket.write(Buffer.from([2, 1, 2]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await rfbSecurityTypes(`tcp://127.0.0.1:${port}`)).toEqual([1, 2]);
      expect(versions).toEqual(['RFB 003.008\n']);
    } finally {
      server.close();
    }
  });
});

describe('tempDirEachTest', () => {
  const scratch = tempDirEachTest('hud-testing-temp-');
  const seen: string[] = [];

  it('gives each test a fresh directory', () => {
    expect(existsSync(scratch.path)).toBe(true);
    seen.push(scratch.path);
  });

  it('removes the previous test’s directory', () => {
    expect(scratch.path).not.toBe(seen[0]);
    expect(existsSync(seen[0] as string)).toBe(false);
  });
});

it('tempDirEachTest has no directory outside a test of its block', () => {
  expect(() => tempDirEachTest('hud-testing-outside-').path).toThrow(/only while a test runs/);
});
