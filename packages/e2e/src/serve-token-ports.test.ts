import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type Capability,
  type CdpClient,
  connectRfb,
  HudClient,
  HudError,
  type McpClient,
  type RfbClient,
} from '@hud/protocol';
import { installed, MCP_INITIALIZE, rfbSecurityTypes } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHud } from './support/run-hud.js';
import { type ServedEnv, serveEnv } from './support/served-env.js';

/**
 * `hud serve --token` and the ports of the capability services the server opens itself (env.mcp(),
 * env.screen(), env.browser()), against a real `hud serve` child: with a token, each port reached
 * directly on 127.0.0.1 (this test runs in another process than the server) is refused, and each works
 * through the control channel for a client that has the token; without a token, nothing changes.
 */
const FIXTURE = fileURLToPath(new URL('./__fixtures__/token-ports/env.ts', import.meta.url));
const TOKEN = 'e2e-control-token';

const CAPABILITIES = [
  'mcp',
  ...(installed('Xvfb') && installed('x11vnc') ? ['screen'] : []),
  ...(existsSync('/usr/bin/chromium') ? ['browser'] : []),
];
if (CAPABILITIES.length < 3) {
  console.warn(`serve-token-ports: only ${CAPABILITIES.join(', ')} (no Xvfb/x11vnc or Chromium)`);
}
const has = (name: string) => CAPABILITIES.includes(name);

/** POSTs an MCP `initialize` straight to `url` (no Authorization header); the HTTP status. */
async function mcpStatus(url: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: MCP_INITIALIZE,
  });
  await response.arrayBuffer();
  return response.status;
}

function binding(bindings: readonly Capability[], name: string): Capability {
  const found = bindings.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no binding '${name}'`);
  return found;
}

async function serveFixture(args: string[]): Promise<ServedEnv> {
  process.env.TOKEN_PORTS_CAPABILITIES = CAPABILITIES.join(',');
  return serveEnv(FIXTURE, args, 60_000);
}

describe('hud serve --token: the capability ports', () => {
  let served: ServedEnv;
  let client: HudClient;
  let bindings: readonly Capability[];
  beforeAll(async () => {
    served = await serveFixture(['--token', TOKEN]);
    client = await HudClient.connect(`tcp://127.0.0.1:${served.port}`, {
      token: TOKEN,
      heartbeatIntervalMs: 0,
    });
    bindings = client.manifest?.bindings ?? [];
  });
  afterAll(async () => {
    await client?.close();
    await served?.stop();
  });

  it('refuses every capability port reached directly on 127.0.0.1', async () => {
    expect(bindings.map(({ name }) => name).sort()).toEqual(
      ['tools', 'screen', 'browser'].filter((name) => has(name === 'tools' ? 'mcp' : name)).sort(),
    );
    // MCP: no Bearer token, no service.
    expect(await mcpStatus(binding(bindings, 'tools').url)).toBe(401);
    if (has('screen')) {
      const { url } = binding(bindings, 'screen');
      expect(await rfbSecurityTypes(url)).toEqual([2]);
      const direct = await connectRfb(url).catch((error: unknown) => error);
      expect(HudError.isInstance(direct) && direct.code).toBe('unsupported');
    }
    if (has('browser')) {
      const response = await fetch(`${binding(bindings, 'browser').url}/json/version`);
      expect(response.status).toBe(403);
    }
  });

  it('serves each of them through the control channel to a client with the token', async () => {
    const tools = await client.open<McpClient>('tools');
    expect(await tools.callTool('echo', { text: 'through the tunnel' })).toEqual({
      content: [{ type: 'text', text: 'through the tunnel' }],
      isError: false,
    });
    if (has('screen')) {
      const rfb = await client.open<RfbClient>('screen');
      expect([rfb.width, rfb.height]).toEqual([320, 200]);
    }
    if (has('browser')) {
      const cdp = await client.open<CdpClient>('browser');
      const { result } = await cdp.send<{ result: { value: number } }>('Runtime.evaluate', {
        expression: '6 * 7',
        returnByValue: true,
      });
      expect(result.value).toBe(42);
    }
  });

  it('hud task reaches the server with --token or $HUD_SERVE_TOKEN, and is refused without', async () => {
    const url = `tcp://127.0.0.1:${served.port}`;
    const { HUD_SERVE_TOKEN: _drop, ...base } = process.env;
    const withFlag = await runHud(['task', 'run', 'noop', '--url', url, '--token', TOKEN], {
      env: base,
    });
    expect(withFlag.code, withFlag.stderr).toBe(0);
    expect(withFlag.stdout).toContain('1');
    const withVariable = await runHud(['task', 'list', '--url', url], {
      env: { ...base, HUD_SERVE_TOKEN: TOKEN },
    });
    expect(withVariable.code, withVariable.stderr).toBe(0);
    expect(withVariable.stdout).toContain('noop');
    const without = await runHud(['task', 'list', '--url', url, '--ready-timeout', '2'], {
      env: base,
    });
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/unauthorized/);
  });

  it('refuses a client without the token, and warns about no capability', async () => {
    const stranger = HudClient.connect(`tcp://127.0.0.1:${served.port}`, {
      heartbeatIntervalMs: 0,
      readyTimeoutMs: 5_000,
    });
    await expect(stranger).rejects.toThrow(/unauthorized/);
    expect(served.stderr()).not.toMatch(/does not check the server token/);
  });
});

describe('hud serve without a token: the capability ports as before', () => {
  let served: ServedEnv;
  let client: HudClient;
  let bindings: readonly Capability[];
  beforeAll(async () => {
    served = await serveFixture([]);
    client = await HudClient.connect(`tcp://127.0.0.1:${served.port}`, { heartbeatIntervalMs: 0 });
    bindings = client.manifest?.bindings ?? [];
  });
  afterAll(async () => {
    await client?.close();
    await served?.stop();
  });

  it('publishes no secrets and lets a local client use each port directly', async () => {
    const tools = binding(bindings, 'tools');
    expect(tools.params).toEqual({ transport: 'streamable-http' });
    expect(await mcpStatus(tools.url)).toBe(200);
    if (has('screen')) {
      const screen = binding(bindings, 'screen');
      expect(screen.params).not.toHaveProperty('password');
      expect(await rfbSecurityTypes(screen.url)).toEqual([1]);
    }
    if (has('browser')) {
      const response = await fetch(`${binding(bindings, 'browser').url}/json/version`);
      expect(response.status).toBe(200);
    }
  });
});
