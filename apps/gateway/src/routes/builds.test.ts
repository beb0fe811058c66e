import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { contextBytes, dockerSkip, TEST_BASE } from '../testing/build-fixtures.js';
import { registrySkip, startRegistry, type TestRegistry } from '../testing/docker-registry.js';

const docker = new Docker();
const skip = (await dockerSkip(docker)) || registrySkip();
const SECRET = 'tok-value-7f3a9c-never-logged';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;
let registry: TestRegistry | undefined;
const images: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hud-builds-route-'));
  if (!skip) registry = await startRegistry();
});
afterEach(disposeTestGateways);
afterAll(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
  for (const image of images)
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => {});
});

const gatewayWith = (options: { contextLimit?: number } = {}) =>
  testGateway({
    builds: {
      dir: path.join(dir, `builds-${Math.random().toString(36).slice(2)}`),
      ...(registry ? { registry: registry.address } : {}),
      ...options,
    },
  });

/** `POST /v2/builds/upload-url`, then a bare PUT of `files` to the signed URL (as hud-python does it). */
async function upload(gateway: TestGateway, files: Record<string, string>): Promise<string> {
  const { body, status } = await gateway.call('POST', '/v2/builds/upload-url', { body: {} });
  expect(status).toBe(200);
  const url = new URL(body.upload_url);
  const put = await gateway.app.inject({
    method: 'PUT',
    url: `${url.pathname}${url.search}`,
    headers: { 'content-type': 'application/gzip' },
    payload: await contextBytes(files),
  });
  expect(put.statusCode, put.body).toBe(200);
  return body.build_id;
}

/** Every message of the build's log WebSocket until the server closes it. */
async function logMessages(base: string, id: string, key: string): Promise<unknown[]> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}/v2/builds/${id}/logs?api_key=${key}`);
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  return messages;
}

async function listen(gateway: TestGateway): Promise<string> {
  return gateway.app.listen({ host: '127.0.0.1', port: 0 });
}

// Deadlines, not timing claims: real builds on 2 shared cores.
describe.skipIf(skip)(
  'environment builds (real engine, real registry)',
  { timeout: 300_000 },
  () => {
    it('uploads, builds with a secret, streams the log, pushes v0.1.0, then v0.1.1 on re-deploy', async () => {
      const gateway = await gatewayWith();
      const base = await listen(gateway);
      // Removed in afterAll even when the test stops half-way.
      images.push(
        `${registry?.address}/letter-count:v0.1.0`,
        `${registry?.address}/letter-count:v0.1.1`,
      );
      const files = {
        Dockerfile: `FROM ${TEST_BASE}
RUN --mount=type=secret,id=tok test "$(sha256sum < /run/secrets/tok | cut -c1-64)" = "${sha256(SECRET)}" && echo secret-reached-step
RUN --mount=type=secret,id=tok cat /run/secrets/tok
ARG GREETING
RUN echo "greeting=$GREETING" > /greeting.txt
`,
      };
      const buildId = await upload(gateway, files);
      const trigger = await gateway.call('POST', '/v2/builds/trigger', {
        body: {
          source: 'direct',
          build_id: buildId,
          name: 'Letter Count',
          no_cache: true,
          build_args: { GREETING: 'hello' },
          build_secrets: { tok: SECRET },
        },
      });
      expect(trigger.status, trigger.text).toBe(200);
      expect(trigger.body).toMatchObject({ id: buildId, version: 'v0.1.0', name: 'Letter Count' });
      const registryId = trigger.body.registry_id as string;

      const messages = await logMessages(base, buildId, gateway.adminKey);
      expect(messages[0]).toMatchObject({ type: 'status' });
      expect(messages.at(-1)).toEqual({ type: 'status_update', status: 'SUCCEEDED' });
      const text = JSON.stringify(messages);
      expect(text).toContain('secret-reached-step');
      expect(text).not.toContain(SECRET);
      expect(text).toContain('***');

      const status = await gateway.call('GET', `/v2/builds/${buildId}/status`);
      const image = `${registry?.address}/letter-count:v0.1.0`;
      expect(status.body).toMatchObject({ status: 'SUCCEEDED', version: 'v0.1.0', image });
      expect(status.body.secret_ids).toEqual(['tok']);
      expect(status.text).not.toContain(SECRET);
      expect(await registry?.tags('letter-count')).toEqual(['v0.1.0']);
      const history = await docker.getImage(image).history();
      expect(JSON.stringify(history)).not.toContain(SECRET);
      const logs = await gateway.call('GET', `/v2/builds/${buildId}/logs`);
      expect(logs.body.lines.join('\n')).toContain('secret-reached-step');
      expect(logs.text).not.toContain(SECRET);

      // A re-deploy of the same registry entry is its next version.
      const again = await upload(gateway, { Dockerfile: `FROM ${TEST_BASE}\nRUN echo second\n` });
      const second = await gateway.call('POST', '/v2/builds/trigger', {
        body: { source: 'direct', build_id: again, name: 'Letter Count', registry_id: registryId },
      });
      expect(second.body).toMatchObject({ registry_id: registryId, version: 'v0.1.1' });
      const secondMessages = await logMessages(base, again, gateway.adminKey);
      expect(secondMessages.at(-1)).toEqual({ type: 'status_update', status: 'SUCCEEDED' });
      expect((await registry?.tags('letter-count'))?.sort()).toEqual(['v0.1.0', 'v0.1.1']);
      const listed = await gateway.call('GET', '/v2/registry');
      expect(listed.body).toEqual([
        expect.objectContaining({
          id: registryId,
          name: 'Letter Count',
          latest_version: 'v0.1.1',
          image: `${registry?.address}/letter-count:v0.1.1`,
        }),
      ]);
    });

    it('a failing Dockerfile ends FAILED with the failing step and its output in the log', async () => {
      const gateway = await gatewayWith();
      const base = await listen(gateway);
      const buildId = await upload(gateway, {
        Dockerfile: `FROM ${TEST_BASE}\nRUN echo about-to-fail-7 && exit 7\n`,
      });
      const trigger = await gateway.call('POST', '/v2/builds/trigger', {
        body: { source: 'direct', build_id: buildId, name: 'broken-env', no_cache: false },
      });
      expect(trigger.status).toBe(200);
      const messages = (await logMessages(base, buildId, gateway.adminKey)) as {
        type: string;
        message?: string;
        status?: string;
      }[];
      expect(messages.at(-1)).toEqual({ type: 'status_update', status: 'FAILED' });
      const lines = messages.filter((m) => m.type === 'log').map((m) => m.message);
      expect(lines).toContainEqual(expect.stringMatching(/RUN echo about-to-fail-7 && exit 7/));
      expect(lines).toContainEqual(expect.stringMatching(/^#\d+ about-to-fail-7$/));
      expect(lines).toContainEqual(expect.stringMatching(/ERROR: .*exit code: 7/));
      const status = await gateway.call('GET', `/v2/builds/${buildId}/status`);
      expect(status.body).toMatchObject({
        status: 'FAILED',
        error: expect.stringMatching(/exit code: 7/),
      });
      // The log outlives the build: a later reader gets it whole, then the final status.
      const replay = await logMessages(base, buildId, gateway.adminKey);
      expect(replay).toEqual(
        messages
          .slice(0, 1)
          .map(() => ({ type: 'status', status: 'FAILED' }))
          .concat(
            messages.filter((m) => m.type === 'log') as never[],
            [{ type: 'status_update', status: 'FAILED' }] as never[],
          ),
      );
    });
  },
);

describe('environment build requests refused', () => {
  it('a context over the size limit is answered 413 and nothing is kept', async () => {
    const gateway = await gatewayWith({ contextLimit: 1024 });
    const { body } = await gateway.call('POST', '/v2/builds/upload-url', { body: {} });
    const url = new URL(body.upload_url);
    const big = Buffer.alloc(4096, 1);
    big[0] = 0x1f;
    big[1] = 0x8b;
    const put = await gateway.app.inject({
      method: 'PUT',
      url: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'application/gzip' },
      payload: big,
    });
    expect(put.statusCode).toBe(413);
    expect(put.json().error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('limit of 1024 bytes'),
    });
    const trigger = await gateway.call('POST', '/v2/builds/trigger', {
      body: { source: 'direct', build_id: body.build_id, name: 'big' },
    });
    expect(trigger.status).toBe(409);
    expect(trigger.body.error.message).toMatch(/has no context yet/);
  });

  it('an upload naming an unknown build id is answered 404', async () => {
    const gateway = await gatewayWith();
    const put = await gateway.call(
      'PUT',
      '/v2/builds/6b1f0c52-57a4-4b7e-9d7e-3c2f4d9b8a11/context',
      {
        body: await contextBytes({ Dockerfile: 'FROM x\n' }),
        headers: { 'content-type': 'application/gzip' },
      },
    );
    expect(put.status).toBe(404);
    expect(put.body.error.message).toMatch(/no build with id 6b1f0c52-.*upload-url/);
    const trigger = await gateway.call('POST', '/v2/builds/trigger', {
      body: { source: 'direct', build_id: '6b1f0c52-57a4-4b7e-9d7e-3c2f4d9b8a11', name: 'x' },
    });
    expect(trigger.status).toBe(404);
  });

  it('a wrong key or upload token is answered 401', async () => {
    const gateway = await gatewayWith();
    const wrong = 'hud_not-a-key-of-this-gateway-000000';
    for (const [method, url] of [
      ['POST', '/v2/builds/upload-url'],
      ['POST', '/v2/builds/trigger'],
      ['GET', '/v2/builds/6b1f0c52-57a4-4b7e-9d7e-3c2f4d9b8a11/status'],
    ] as const) {
      const answer = await gateway.call(method, url, { key: wrong, body: {} });
      expect(answer.status, url).toBe(401);
      expect(answer.body.error.message).toMatch(/invalid API key/);
    }
    const { body } = await gateway.call('POST', '/v2/builds/upload-url', { body: {} });
    const bytes = await contextBytes({ Dockerfile: 'FROM x\n' });
    const badToken = await gateway.app.inject({
      method: 'PUT',
      url: `/v2/builds/${body.build_id}/context?token=forged`,
      headers: { 'content-type': 'application/gzip' },
      payload: bytes,
    });
    expect(badToken.statusCode).toBe(401);
    expect(badToken.json().error.message).toMatch(/upload token does not match/);
    const noCredentials = await gateway.call('PUT', `/v2/builds/${body.build_id}/context`, {
      key: null,
      body: bytes,
      headers: { 'content-type': 'application/gzip' },
    });
    expect(noCredentials.status).toBe(401);
    const base = await listen(gateway);
    const socket = new WebSocket(
      `${base.replace('http', 'ws')}/v2/builds/${body.build_id}/logs?api_key=${wrong}`,
    );
    const refused = await new Promise<number>((resolve) =>
      socket.on('unexpected-response', (request, response) => {
        response.resume();
        request.destroy();
        resolve(response.statusCode ?? 0);
      }),
    );
    expect(refused).toBe(401);
  });

  it('a build left unfinished by a stopped gateway is FAILED at the next start, its log saying why', async () => {
    const builds = path.join(dir, 'builds-recover');
    const first = await testGateway({ builds: { dir: builds } });
    const build = await first.store.builds.createBuild({
      teamId: (await first.store.keys.ensureTeam('default')).id,
      keyId: null,
      tokenHash: 'x',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await first.store.builds.recordUpload(build.id, 10);
    const triggered = await first.store.builds.trigger({
      teamId: (await first.store.keys.ensureTeam('default')).id,
      buildId: build.id,
      name: 'half-built',
      noCache: false,
      buildArgs: {},
      environmentVariables: {},
      secretIds: [],
    });
    await first.store.builds.setStatus(triggered.id, 'BUILDING');
    // A new app over the same store and builds dir: what a restarted gateway does on its first ready.
    const { createGatewayApp } = await import('../app.js');
    const restarted = createGatewayApp({
      store: first.store,
      builds: { dir: builds },
      logLevel: 'silent',
    });
    await restarted.ready();
    try {
      const status = await restarted.inject({
        method: 'GET',
        url: `/v2/builds/${build.id}/status`,
        headers: { authorization: `Bearer ${first.adminKey}` },
      });
      expect(status.json()).toMatchObject({
        status: 'FAILED',
        error: expect.stringMatching(/gateway stopped during this build/),
      });
      const logs = await restarted.inject({
        method: 'GET',
        url: `/v2/builds/${build.id}/logs`,
        headers: { authorization: `Bearer ${first.adminKey}` },
      });
      expect(logs.json().lines).toEqual([expect.stringMatching(/^ERROR: the gateway stopped/)]);
    } finally {
      await restarted.close();
    }
  });
});
