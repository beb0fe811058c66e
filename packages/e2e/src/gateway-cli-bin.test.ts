import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  hud,
  hudEnv,
  newAdminKey,
  nodePathWithGateway,
  removeTemp,
  startGatewayProcess,
  tempDir,
} from './support/gateway-cli.js';
import { HUD_BIN } from './support/served-env.js';

// `hud gateway` runs the bin of the optional @hud/gateway package: found as a user's install finds it,
// signals and the exit code are the gateway's own, and without the package it says what to install.

afterAll(removeTemp);

describe('hud gateway', () => {
  it('runs the installed gateway (data in ~/.hud/gateway by default), which a signal to hud stops', async () => {
    const home = tempDir('gateway-home');
    const key = newAdminKey();
    const env = hudEnv(home, { NODE_PATH: nodePathWithGateway(), HUD_GATEWAY_BOOTSTRAP_KEY: key });
    const gateway = await startGatewayProcess(
      HUD_BIN,
      ['gateway', '--port', '0', '--log-level', 'warn'],
      env,
      path.join(home, '.hud', 'gateway'),
    );
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(path.join(home, '.hud', 'gateway', 'gateway.db'))).toBe(true);
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    const jobs = await fetch(`${gateway.url}/v2/jobs`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(jobs.status).toBe(200);
    // SIGTERM to the `hud` process is the gateway's: it closes and exits 0.
    expect(await gateway.stop('SIGTERM')).toBe(0);
    expect(gateway.stderr()).toContain('hud-gateway: stopped (SIGTERM)');
  });

  it("passes the gateway's own exit code and message through", async () => {
    const home = tempDir('gateway-bad');
    const run = await hud(['gateway', '--database-url', 'mysql://db.example.com/hud'], {
      home,
      vars: { NODE_PATH: nodePathWithGateway() },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('expected a postgres:// or postgresql:// URL');
    expect(run.stderr).not.toMatch(/^hud: /m);
  });

  it('says to install @hud/gateway when it is not installed', async () => {
    const home = tempDir('gateway-missing');
    const run = await hud(['gateway'], { home, cwd: home });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'hud: hud gateway needs @hud/gateway, which is not installed: npm install @hud/gateway',
    );
  });
});
