import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayAppOptions } from '../app.js';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import {
  bridgeConnections,
  closed,
  echoSubstrate,
  nextMessage,
  openControl,
  openSocket,
} from '../testing/runtime-worker.js';

afterEach(disposeTestGateways);

/** A gateway listening on 127.0.0.1 with its ws:// base. */
async function listening(
  options: GatewayAppOptions['runtimeSessions'] = {},
): Promise<{ gateway: TestGateway; ws: string }> {
  const gateway = await testGateway({ runtimeSessions: options });
  const base = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  return { gateway, ws: base.replace('http', 'ws') };
}

/** Creates a session as hud-python's HUDRuntime does, returning its id. */
async function createSession(gateway: TestGateway, key: string, body: object): Promise<string> {
  const created = await gateway.call('POST', '/runtime/sessions', { key, body });
  expect(created.status, created.text).toBe(200);
  expect(created.body.id).toMatch(/^[0-9a-f]{32}$/);
  return created.body.id;
}

/** Claims one session with `key` as worker `workerId`. */
async function claimOne(gateway: TestGateway, key: string, workerId = 'w1') {
  const claim = await gateway.call('POST', '/v2/workers/sessions/claim', {
    key,
    body: { worker_id: workerId, capacity: 1 },
  });
  expect(claim.status, claim.text).toBe(200);
  return claim.body.sessions as {
    session_id: string;
    team_id: string;
    environment: { name: string; image: string | null };
    trace_id: string | null;
  }[];
}

describe('runtime sessions (--runtime hud)', () => {
  it('a session is claimed, made ready, echoes bytes through its tunnel, and DELETE ends it', async () => {
    await using substrate = await echoSubstrate();
    const { gateway, ws } = await listening();
    const traceId = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const id = await createSession(gateway, gateway.adminKey, {
      environment: 'letter-count',
      trace_id: traceId,
    });
    const claimed = await claimOne(gateway, gateway.adminKey);
    expect(claimed).toEqual([
      {
        session_id: id,
        team_id: expect.any(String),
        environment: { name: 'letter-count', image: null },
        trace_id: traceId.replaceAll('-', ''),
      },
    ]);
    expect(await claimOne(gateway, gateway.adminKey)).toEqual([]);
    const worker = await openControl(ws, gateway.adminKey, id);
    bridgeConnections(worker, ws, gateway.adminKey, id, substrate.port);
    expect((await gateway.call('POST', `/v2/workers/sessions/${id}/ready`)).body).toEqual({
      id,
      status: 'ready',
    });

    const tunnel = await openSocket(`${ws}/runtime/tunnels/${id}`, gateway.adminKey);
    tunnel.send(Buffer.from([0, 1, 2, 255]));
    expect([...(await nextMessage(tunnel))]).toEqual([0, 1, 2, 255]);
    tunnel.send('héllo');
    expect((await nextMessage(tunnel)).toString('utf8')).toBe('héllo');
    expect((await gateway.call('GET', `/runtime/sessions/${id}`)).body).toMatchObject({
      status: 'ready',
      worker_id: 'w1',
      connections: 1,
    });

    const ended = closed(tunnel);
    const deleted = await gateway.call('DELETE', `/runtime/sessions/${id}`);
    expect(deleted.body).toMatchObject({ id, status: 'ended', error: 'deleted by its client' });
    expect((await ended).code).toBe(1000);
    await closed(worker.control);
    expect(worker.messages).toContainEqual({ close: 'deleted by its client' });
    // Idempotent, and the session is gone from the team's live list.
    expect((await gateway.call('DELETE', `/runtime/sessions/${id}`)).status).toBe(200);
    expect((await gateway.call('GET', '/runtime/sessions')).body).toEqual({ sessions: [] });
  });

  it('16 MiB go through a tunnel and back intact (frames larger than the socket buffers: backpressure)', async () => {
    await using substrate = await echoSubstrate();
    const { gateway, ws } = await listening();
    const id = await createSession(gateway, gateway.adminKey, { environment: 'e' });
    await claimOne(gateway, gateway.adminKey);
    const worker = await openControl(ws, gateway.adminKey, id);
    bridgeConnections(worker, ws, gateway.adminKey, id, substrate.port);
    await gateway.call('POST', `/v2/workers/sessions/${id}/ready`);
    const tunnel = await openSocket(`${ws}/runtime/tunnels/${id}`, gateway.adminKey);
    const chunk = 512 * 1024;
    const sent = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 31 + (i >> 13)) & 0xff;
    const received: Buffer[] = [];
    let total = 0;
    const done = new Promise<void>((resolve) =>
      tunnel.on('message', (data: Buffer) => {
        received.push(data);
        total += data.length;
        if (total >= sent.length) resolve();
      }),
    );
    for (let offset = 0; offset < sent.length; offset += chunk) {
      tunnel.send(sent.subarray(offset, offset + chunk));
    }
    await done;
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    tunnel.close();
  });

  it('a tunnel opened before the worker is ready waits for it, bytes sent meanwhile included', async () => {
    await using substrate = await echoSubstrate();
    const { gateway, ws } = await listening();
    const id = await createSession(gateway, gateway.adminKey, { environment: 'e' });
    const tunnel = await openSocket(`${ws}/runtime/tunnels/${id}`, gateway.adminKey);
    const echoed = nextMessage(tunnel);
    tunnel.send(Buffer.from('early'));
    await claimOne(gateway, gateway.adminKey);
    const worker = await openControl(ws, gateway.adminKey, id);
    bridgeConnections(worker, ws, gateway.adminKey, id, substrate.port);
    await gateway.call('POST', `/v2/workers/sessions/${id}/ready`);
    expect((await echoed).toString()).toBe('early');
    tunnel.close();
  });

  it('a dropped tunnel WebSocket closes only its own TCP connection; DELETE then leaves no connection open', async () => {
    await using substrate = await echoSubstrate();
    const { gateway, ws } = await listening();
    const id = await createSession(gateway, gateway.adminKey, { environment: 'e' });
    await claimOne(gateway, gateway.adminKey);
    const worker = await openControl(ws, gateway.adminKey, id);
    bridgeConnections(worker, ws, gateway.adminKey, id, substrate.port);
    await gateway.call('POST', `/v2/workers/sessions/${id}/ready`);
    const first = await openSocket(`${ws}/runtime/tunnels/${id}`, gateway.adminKey);
    const second = await openSocket(`${ws}/runtime/tunnels/${id}`, gateway.adminKey);
    for (const tunnel of [first, second]) {
      tunnel.send('ping');
      expect((await nextMessage(tunnel)).toString()).toBe('ping');
    }
    expect(substrate.open()).toBe(2);
    const [firstTcp] = substrate.sockets;
    const firstTcpClosed = new Promise((resolve) => firstTcp?.once('close', resolve));
    first.terminate(); // dropped: no close frame
    await firstTcpClosed;
    expect(substrate.open()).toBe(1);
    second.send('still');
    expect((await nextMessage(second)).toString()).toBe('still');
    expect((await gateway.call('GET', `/runtime/sessions/${id}`)).body).toMatchObject({
      status: 'ready',
      connections: 1,
    });
    await gateway.call('DELETE', `/runtime/sessions/${id}`);
    await closed(second);
    while (substrate.open() > 0) await sleep(20);
    expect(worker.messages.at(-1)).toEqual({ close: 'deleted by its client' });
  });

  it("another team's key gets 404 for the session and its tunnel, and its worker cannot claim it", async () => {
    const { gateway, ws } = await listening();
    const owner = await gateway.mintKey({ team: 'alpha' });
    const stranger = await gateway.mintKey({ team: 'beta' });
    const strangerAdmin = await gateway.mintKey({ team: 'beta', role: 'admin' });
    const id = await createSession(gateway, owner, { environment: 'e' });
    for (const [method, url] of [
      ['GET', `/runtime/sessions/${id}`],
      ['DELETE', `/runtime/sessions/${id}`],
    ] as const) {
      const answer = await gateway.call(method, url, { key: stranger });
      expect(answer.status).toBe(404);
      expect(answer.body.error.message).toContain(`no runtime session with id ${id}`);
    }
    await expect(openSocket(`${ws}/runtime/tunnels/${id}`, stranger)).rejects.toThrow(
      'refused with 404',
    );
    await expect(
      openSocket(`${ws}/runtime/tunnels/${id}`, 'hud_not_a_key_00000000'),
    ).rejects.toThrow('refused with 401');
    // Workers of another team (even its admins) see nothing; the owner team's worker claims it.
    expect(await claimOne(gateway, stranger)).toEqual([]);
    expect(await claimOne(gateway, strangerAdmin)).toEqual([]);
    const ownWorker = await gateway.mintKey({ team: 'alpha' });
    expect((await claimOne(gateway, ownWorker)).map((s) => s.session_id)).toEqual([id]);
    // Only the claiming key drives it.
    expect(
      (await gateway.call('POST', `/v2/workers/sessions/${id}/ready`, { key: owner })).status,
    ).toBe(404);
  });

  it("an admin key of the gateway's first team serves every team's sessions (long-poll claim)", async () => {
    const { gateway } = await listening();
    const other = await gateway.mintKey({ team: 'gamma' });
    const claim = gateway.call('POST', '/v2/workers/sessions/claim', {
      body: { worker_id: 'admin-worker', capacity: 4, wait_s: 20 },
    });
    await sleep(50);
    const id = await createSession(gateway, other, { environment: 'gamma-env' });
    const answer = await claim;
    expect(answer.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([id]);
  });

  it("the worker's failure and the worker's loss end the session and close its tunnels with the reason", async () => {
    const { gateway, ws } = await listening();
    const failing = await createSession(gateway, gateway.adminKey, { environment: 'broken' });
    await claimOne(gateway, gateway.adminKey);
    const waiting = await openSocket(`${ws}/runtime/tunnels/${failing}`, gateway.adminKey);
    const failedClose = closed(waiting);
    await gateway.call('POST', `/v2/workers/sessions/${failing}/failed`, {
      body: { error: 'image not found' },
    });
    expect(await failedClose).toEqual({
      code: 1011,
      reason: expect.stringContaining("could not start environment 'broken': image not found"),
    });

    const lost = await createSession(gateway, gateway.adminKey, { environment: 'e' });
    await claimOne(gateway, gateway.adminKey);
    const worker = await openControl(ws, gateway.adminKey, lost);
    await gateway.call('POST', `/v2/workers/sessions/${lost}/ready`);
    worker.control.terminate();
    await closed(worker.control);
    let view = (await gateway.call('GET', `/runtime/sessions/${lost}`)).body;
    while (view.status !== 'ended') {
      await sleep(20);
      view = (await gateway.call('GET', `/runtime/sessions/${lost}`)).body;
    }
    expect(view.error).toBe('worker w1 lost: its control connection closed');
    await expect(
      openSocket(`${ws}/runtime/tunnels/${lost}`, gateway.adminKey).then(closed),
    ).resolves.toMatchObject({
      code: 1011,
      reason: expect.stringContaining('ended: worker w1 lost'),
    });
  });

  it('a claim whose worker never opens the control socket goes back to the queue; the third ends the session', async () => {
    const { gateway } = await listening({ controlTimeoutMs: 100 });
    const id = await createSession(gateway, gateway.adminKey, { environment: 'e' });
    const status = async () => (await gateway.call('GET', `/runtime/sessions/${id}`)).body;
    for (const worker of ['gone-1', 'gone-2']) {
      expect((await claimOne(gateway, gateway.adminKey, worker)).map((s) => s.session_id)).toEqual([
        id,
      ]);
      expect(await status()).toMatchObject({ status: 'starting', worker_id: worker });
      while ((await status()).status !== 'queued') await sleep(20);
    }
    await claimOne(gateway, gateway.adminKey, 'gone-3');
    while ((await status()).status !== 'ended') await sleep(20);
    expect((await status()).error).toBe(
      'worker gone-3 claimed it but did not open its control connection within 0.1 s',
    );
  });

  it('a tunnel whose session never becomes ready closes with 1011 after readyTimeoutMs', async () => {
    const { gateway, ws } = await listening({ readyTimeoutMs: 300 });
    const id = await createSession(gateway, gateway.adminKey, { environment: 'nobody-serves' });
    const tunnel = await openSocket(`${ws}/runtime/tunnels/${id}`, gateway.adminKey);
    expect(await closed(tunnel)).toEqual({
      code: 1011,
      reason: expect.stringContaining('was not ready within 0.3 s'),
    });
  });

  it('bad requests are named: no environment, a bad trace_id, a plain GET of a tunnel', async () => {
    const { gateway } = await listening();
    const noEnv = await gateway.call('POST', '/runtime/sessions', { body: {} });
    expect(noEnv.status).toBe(400);
    expect(noEnv.body.error.message).toMatch(/environment/);
    const badTrace = await gateway.call('POST', '/runtime/sessions', {
      body: { environment: 'e', trace_id: 'not an id!' },
    });
    expect(badTrace.status).toBe(400);
    expect(badTrace.body.error.message).toMatch(/trace_id/);
    const id = await createSession(gateway, gateway.adminKey, { environment: 'e' });
    const plain = await gateway.call('GET', `/runtime/tunnels/${id}`);
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toMatch(/WebSocket/);
    const unclaimedReady = await gateway.call('POST', `/v2/workers/sessions/${id}/ready`);
    expect(unclaimedReady.status).toBe(404);
  });
});
