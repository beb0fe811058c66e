import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { PlatformClient } from './client.js';
import { followBuild, uploadContext } from './deploy.js';
import { platformUrls } from './urls.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A platform on 127.0.0.1 answering with `handler`; no WebSocket upgrades (they get a 404). */
async function platform(
  handler: (
    method: string,
    url: string,
    body: Buffer,
    headers: Record<string, unknown>,
  ) => [number, unknown],
): Promise<PlatformClient> {
  const listening = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const [status, body] = handler(
        request.method ?? '',
        request.url ?? '',
        Buffer.concat(chunks),
        request.headers,
      );
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  server = listening;
  listening.on('upgrade', (_request, socket) => {
    socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  return new PlatformClient({ urls: platformUrls({ HUD_API_URL: url }), apiKey: 'hud_test_key' });
}

it('follows a build by polling its status when the log WebSocket is not there', async () => {
  const answers = ['QUEUED', 'BUILDING', 'SUCCEEDED'];
  const client = await platform((method, url) => {
    expect(`${method} ${url}`).toBe('GET /v2/builds/b-1/status');
    return [200, { id: 'b-1', status: answers.shift() }];
  });
  const seen: string[] = [];
  const final = await followBuild({
    client,
    apiKey: 'hud_test_key',
    buildId: 'b-1',
    onLog: () => {},
    onStatus: (status) => seen.push(status),
    pollMs: 1,
  });
  expect(final.status).toBe('SUCCEEDED');
  expect(seen).toEqual(['QUEUED', 'BUILDING']);
});

it('PUTs the context to the upload URL with only content-type application/gzip', async () => {
  const puts: { url: string; bytes: number; headers: Record<string, unknown> }[] = [];
  const client = await platform((method, url, body, headers) => {
    if (method === 'POST' && url === '/v2/builds/upload-url') {
      const address = server?.address() as AddressInfo;
      return [
        200,
        {
          upload_url: `http://127.0.0.1:${address.port}/v2/builds/b-2/context?token=t0k`,
          build_id: 'b-2',
        },
      ];
    }
    puts.push({ url: `${method} ${url}`, bytes: body.length, headers });
    return [200, { build_id: 'b-2', bytes: body.length }];
  });
  expect(await uploadContext(client, Buffer.from([0x1f, 0x8b, 1, 2]))).toBe('b-2');
  expect(puts).toEqual([
    {
      url: 'PUT /v2/builds/b-2/context?token=t0k',
      bytes: 4,
      headers: expect.objectContaining({ 'content-type': 'application/gzip' }),
    },
  ]);
  expect(puts[0]?.headers.authorization).toBeUndefined();
});
