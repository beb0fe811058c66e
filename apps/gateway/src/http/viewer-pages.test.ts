import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, testGateway } from '../testing/app.js';

afterEach(disposeTestGateways);

// A stand-in for the built viewer (packages/viewer/dist): its pages are files, whatever they hold.
const dir = mkdtempSync(path.join(tmpdir(), 'viewer-pages-'));
writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>hud viewer</title>');
mkdirSync(path.join(dir, 'assets'));
writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the viewer pages on the gateway', () => {
  it('serves the pages and assets without a key, while the API they call still needs one', async () => {
    const gateway = await testGateway({ viewerDir: dir });
    for (const page of ['/', '/jobs', '/jobs/0123abcd', '/traces/0123abcd', '/jobs/']) {
      const response = await gateway.call('GET', page, { key: null });
      expect(response.status, page).toBe(200);
      expect(response.headers['content-type'], page).toMatch(/^text\/html/);
      expect(response.text).toContain('hud viewer');
    }
    const asset = await gateway.call('GET', '/assets/index-abc.js', { key: null });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await gateway.call('GET', '/assets/missing.js', { key: null })).status).toBe(404);
    expect((await gateway.call('GET', '/v2/jobs', { key: null })).status).toBe(401);
    expect((await gateway.call('GET', '/v2/jobs')).status).toBe(200);
  });

  it('serves no pages with viewerDir false', async () => {
    const gateway = await testGateway({ viewerDir: false });
    expect((await gateway.call('GET', '/jobs', { key: null })).status).not.toBe(200);
  });
});
