import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rejectionOf } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PlatformClient, PlatformError } from './client.js';
import { DEFAULT_PLATFORM_URLS, platformUrls } from './urls.js';

describe('platformUrls', () => {
  it("keeps hud-python's defaults when nothing is set", () => {
    expect(platformUrls({})).toEqual(DEFAULT_PLATFORM_URLS);
  });

  it('derives every unset URL from HUD_API_URL alone', () => {
    expect(platformUrls({ HUD_API_URL: 'http://127.0.0.1:7600/' })).toEqual({
      api: 'http://127.0.0.1:7600',
      telemetry: 'http://127.0.0.1:7600/v3/api',
      gateway: 'http://127.0.0.1:7600',
      runtime: 'http://127.0.0.1:7600',
      rl: 'http://127.0.0.1:7600',
      web: 'http://127.0.0.1:7600',
    });
  });

  it('lets an explicit setting win over the derived one', () => {
    const urls = platformUrls({
      HUD_API_URL: 'http://127.0.0.1:7600',
      HUD_WEB_URL: 'http://web.example.com',
    });
    expect(urls.web).toBe('http://web.example.com');
    expect(urls.telemetry).toBe('http://127.0.0.1:7600/v3/api');
  });

  it('names the variable holding a malformed URL', () => {
    expect(() => platformUrls({ HUD_API_URL: 'not a url' })).toThrow(/HUD_API_URL is not a URL/);
    expect(() => platformUrls({ HUD_WEB_URL: 'ftp://example.com' })).toThrow(/HUD_WEB_URL must be/);
  });
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  body: string;
}

let server: Server | undefined;

async function serve(
  answers: ((seen: Seen) => [number, string])[],
): Promise<{ client: (key?: string) => PlatformClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const entry = {
      method: request.method,
      url: request.url,
      authorization: request.headers.authorization,
      body,
    };
    seen.push(entry);
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)];
    const [status, text] = answer ? answer(entry) : [500, ''];
    response.writeHead(status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    seen,
    client: (apiKey) =>
      new PlatformClient({ urls: platformUrls({ HUD_API_URL: base }), apiKey, retries: 2 }),
  };
}

afterEach(async () => {
  const open = server;
  if (!open) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
  server = undefined;
});

describe('PlatformClient', () => {
  it('sends the key as a Bearer header and a JSON body, and returns the JSON answer', async () => {
    const { client, seen } = await serve([() => [200, '{"ok":true}']]);
    const answer = await client('sk-test-1').post('/v2/things', { a: 1 }, { query: { q: 'x y' } });
    expect(answer).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/v2/things?q=x+y',
      authorization: 'Bearer sk-test-1',
      body: '{"a":1}',
    });
  });

  it('refuses to send a keyed request without a key, naming the fix', async () => {
    const { client, seen } = await serve([() => [200, '{}']]);
    const error = await rejectionOf(client().get('/v2/jobs'));
    expect(PlatformError.isInstance(error) && error.code).toBe('no_api_key');
    expect(String(error)).toMatch(/hud login/);
    expect(seen).toHaveLength(0);
  });

  it('turns a 401 into a message that says to log in and never holds the key', async () => {
    const { client } = await serve([
      () => [401, '{"error":{"code":"unauthorized","message":"this API key was revoked"}}'],
    ]);
    const error = await rejectionOf(client('sk-secret-abc').get('/v2/jobs'));
    expect(PlatformError.isInstance(error) && error.code).toBe('unauthorized');
    expect((error as Error).message).toMatch(/rejected the API key .*revoked.*hud login/);
    expect((error as Error).message).not.toContain('sk-secret-abc');
  });

  it('retries 503 answers on GET and returns the later success', async () => {
    const { client, seen } = await serve([() => [503, '{"detail":"busy"}'], () => [200, '[1]']]);
    expect(await client('k').get('/v2/jobs')).toEqual([1]);
    expect(seen).toHaveLength(2);
  });

  it('does not retry a POST unless asked, and reports the platform message and status', async () => {
    const { client, seen } = await serve([() => [503, '{"detail":"busy"}']]);
    const error = await rejectionOf(client('k').post('/v2/tasks/upload', {}));
    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    expect((error as Error).message).toMatch(
      /POST http:\/\/127\.0\.0\.1:\d+\/v2\/tasks\/upload answered 503: busy/,
    );
    expect(seen).toHaveLength(1);
  });

  it('does not retry a 400 and passes its reason through', async () => {
    const { client, seen } = await serve([
      () => [400, '{"error":{"code":"invalid_request","message":"tasks[2].slug is duplicated"}}'],
    ]);
    const error = await rejectionOf(client('k').get('/v2/x'));
    expect(error).toMatchObject({ code: 'rejected', status: 400 });
    expect((error as Error).message).toMatch(/tasks\[2\]\.slug is duplicated/);
    expect(seen).toHaveLength(1);
  });

  it('reports an answer of the wrong shape as bad_response, naming the field', async () => {
    const { client } = await serve([() => [200, '{"id":5}']]);
    const error = await rejectionOf(
      client('k').get('/v2/x', { schema: z.object({ id: z.string() }) }),
    );
    expect(error).toMatchObject({ code: 'bad_response' });
    expect((error as Error).message).toMatch(/id: /);
  });

  it('reports a platform that cannot be reached as unavailable after its retries', async () => {
    const { client } = await serve([() => [200, '{}']]);
    const dead = client('k');
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const error = await rejectionOf(dead.get('/v2/jobs'));
    expect(error).toMatchObject({ code: 'unavailable' });
    expect((error as Error).message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v2\/jobs failed/);
  });
});
