import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createViewServer } from '../view/server.js';
import { parseViewPort } from './view-action.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'hud-view-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A stand-in for the built viewer: an index.html and one asset. */
function viewerFiles(): string {
  const dir = path.join(scratch, 'viewer');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>hud viewer</title>');
  writeFileSync(path.join(dir, 'assets', 'a.js'), 'export {}');
  return dir;
}

describe('hud view', () => {
  it('--port takes 0-65535 and names the flag otherwise', () => {
    expect(parseViewPort('0')).toBe(0);
    expect(parseViewPort('8488')).toBe(8488);
    for (const bad of ['', '-1', '65536', '80x', '1.5']) {
      expect(() => parseViewPort(bad)).toThrow(
        `--port: expected a port number 0-65535, got '${bad}'`,
      );
    }
  });

  it('refuses to start without the built viewer, naming the missing file', () => {
    const missing = path.join(scratch, 'nothing');
    expect(() => createViewServer({ store: scratch, viewerDir: missing })).toThrow(
      path.join(missing, 'index.html'),
    );
  });

  it('answers the pages with index.html, unknown ids with 404 and bad queries with 400', async () => {
    const app = createViewServer({ store: path.join(scratch, 'jobs'), viewerDir: viewerFiles() });
    try {
      for (const page of ['/', '/jobs', '/jobs/abc', '/traces/abc']) {
        const reply = await app.inject({ method: 'GET', url: page });
        expect(reply.statusCode, page).toBe(200);
        expect(reply.body).toContain('hud viewer');
      }
      expect((await app.inject({ method: 'GET', url: '/assets/a.js' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/v2/jobs' })).json()).toEqual({
        items: [],
        next_cursor: null,
      });
      const job = await app.inject({ method: 'GET', url: '/v2/jobs/0123abcd' });
      expect(job.statusCode).toBe(404);
      expect(job.json().error.code).toBe('not_found');
      const trace = await app.inject({ method: 'GET', url: '/v2/trace/0123abcd/spans' });
      expect(trace.statusCode).toBe(404);
      const badId = await app.inject({ method: 'GET', url: '/v2/jobs/..%2Fetc' });
      expect(badId.statusCode).toBe(400);
      const badCursor = await app.inject({ method: 'GET', url: '/v2/jobs?cursor=minus' });
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.json().error.message).toContain('cursor');
    } finally {
      await app.close();
    }
  });
});
