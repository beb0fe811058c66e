import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { pyBytes } from '../__fixtures__/py-bytes.js';
import { HudError } from '../errors.js';
import { findProtocolClient, isConnectionError } from '../protocol-clients.js';
import { OpenPiClient, openPiClientFactory } from './openpi-client.js';
import { RobotEnvError } from './openpi-error.js';
import { NdArray } from './openpi-ndarray.js';

// Our client against a hand-written env: a raw `ws` server whose frames are written byte by byte as
// hud-python's RobotBridge sends them (msgpack_numpy.packb; hex checked against msgpack-python 1.0.3 and
// numpy 2.4), and which checks the bytes our client sends against what hud-python's RobotClient sends.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const hex = (data: Uint8Array) => Buffer.from(data).toString('hex');
const ndarray = (data: string, dtype: string, shape: string) =>
  `84 c4 0b '__ndarray__' c3 c4 04 'data' c4 ${(data.replace(/ /g, '').length / 2).toString(16).padStart(2, '0')} ${data} c4 05 'dtype' a3 '${dtype}' c4 05 'shape' ${shape}`;

const PY_METADATA = pyBytes("81 ae 'claim_required' c3");
const PY_OBSERVATION = pyBytes(
  `85 a5 'state' ${ndarray('0000003f 000080be', '<f4', '91 02')}` +
    ` a5 'image' ${ndarray('000102 030405 060708 090a0b', '|u1', '93 02 02 03')}` +
    ` aa 'terminated' c2 a6 'reward' cb 3fe0000000000000 a4 'meta' 81 a9 'obs_index' 03`,
);
const pyObservation = (state: string, terminated = false) =>
  pyBytes(
    `82 a5 'state' ${ndarray(state, '<f4', '91 02')} aa 'terminated' ${terminated ? 'c3' : 'c2'}`,
  );

interface EnvPeer {
  next(): Promise<{ data: Buffer; isBinary: boolean }>;
  send(data: Uint8Array | string): void;
  close(code?: number): void;
}

/** A hand-written robot env: hands each accepted connection to the test. */
async function envPeer(): Promise<{ url: string; accept(): Promise<EnvPeer> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const sockets: WebSocket[] = [];
  const waiting: ((socket: WebSocket) => void)[] = [];
  const inboxes = new Map<WebSocket, { data: Buffer; isBinary: boolean }[]>();
  server.on('connection', (socket) => {
    inboxes.set(socket, []);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      inboxes.get(socket)?.push({ data, isBinary });
      socket.emit('hud-inbox');
    });
    const waiter = waiting.shift();
    if (waiter) waiter(socket);
    else sockets.push(socket);
  });
  cleanups.push(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async accept() {
      const socket =
        sockets.shift() ?? (await new Promise<WebSocket>((resolve) => waiting.push(resolve)));
      const inbox = inboxes.get(socket) ?? [];
      return {
        async next() {
          while (inbox.length === 0)
            await new Promise((resolve) => socket.once('hud-inbox', resolve));
          return inbox.shift() as { data: Buffer; isBinary: boolean };
        },
        send: (data) => socket.send(data, { binary: typeof data !== 'string' }),
        close: (code = 1011) => socket.close(code),
      };
    },
  };
}

const binding = (url: string) => ({
  name: 'robot',
  protocol: 'openpi/0',
  url,
  params: {
    contract: {
      robot_type: 'test_bot',
      features: {
        image: { role: 'observation', dtype: 'image', shape: [2, 2, 3] },
        state: { role: 'observation', dtype: 'float32', shape: [2] },
        action: { role: 'action', dtype: 'float32', shape: [2] },
      },
    },
  },
});

async function connected(
  url: string,
  peer: Promise<EnvPeer>,
  token?: string | null,
): Promise<{ client: OpenPiClient; env: EnvPeer }> {
  const connecting = OpenPiClient.connect(binding(url), token === undefined ? {} : { token });
  const env = await peer;
  env.send(PY_METADATA);
  if (token !== undefined) {
    const claim = await env.next();
    expect(claim.isBinary).toBe(true);
    const expected =
      token === null
        ? pyBytes("81 a5 'claim' c0")
        : pyBytes(`81 a5 'claim' a${token.length.toString(16)} '${token}'`);
    expect(hex(claim.data)).toBe(hex(expected));
    env.send(PY_OBSERVATION);
  }
  const client = await connecting;
  cleanups.push(() => client.close());
  return { client, env };
}

describe('OpenPiClient against an env framing messages as hud-python does', () => {
  it('claims with its token as {"claim": token}, regroups the observation, and sends actions as the Python client does', async () => {
    const server = await envPeer();
    const { client, env } = await connected(server.url, server.accept(), 'slot-0-1a2b3c4d');
    expect(client.metadata).toEqual({ claim_required: true });

    const observation = await client.observation();
    expect(observation.terminated).toBe(false);
    expect(observation.reward).toBe(0.5);
    expect(observation.meta).toEqual({ obs_index: 3 });
    expect(Object.keys(observation.data)).toEqual(['state', 'image']);
    const state = observation.data.state as NdArray;
    expect(state.data).toEqual(Float32Array.of(0.5, -0.25));
    const image = observation.data.image as NdArray;
    expect(image.dtype).toBe('|u1');
    expect(image.shape).toEqual([2, 2, 3]);
    expect(image.data).toEqual(Uint8Array.from({ length: 12 }, (_, index) => index));

    await client.sendAction(Float32Array.of(0.5, -0.25));
    expect(hex((await env.next()).data)).toBe(
      hex(pyBytes(`81 a7 'actions' ${ndarray('0000003f 000080be', '<f4', '91 02')}`)),
    );
    // hud-python casts to float32 (`np.asarray(action, dtype=np.float32)`), keeping the shape.
    await client.sendChunk(new NdArray(Float64Array.of(1, 0, 0, 1), [2, 2]), {
      obsIndex: 7,
      delayUsed: 2,
    });
    expect(hex((await env.next()).data)).toBe(
      hex(
        pyBytes(
          `83 a7 'actions' ${ndarray('0000803f 00000000 00000000 0000803f', '<f4', '92 02 02')} a9 'obs_index' 07 aa 'delay_used' 02`,
        ),
      ),
    );
    expect(client.spaces().action).toMatchObject({ name: 'action', shape: [2] });
    expect(Object.keys(client.spaces().observations)).toEqual(['image', 'state']);
  });

  it('claims with null when the env requires a claim and no token is given', async () => {
    const server = await envPeer();
    await connected(server.url, server.accept(), null);
  });

  it('sends no claim to an env that does not ask for one, and keeps only the latest observation', async () => {
    const server = await envPeer();
    const connecting = OpenPiClient.connect(binding(server.url));
    const env = await server.accept();
    env.send(pyBytes('80')); // metadata {}
    const client = await connecting;
    cleanups.push(() => client.close());
    env.send(pyObservation('00000000 00000000'));
    env.send(pyObservation('0000803f 00000000'));
    await client.sendAction([1, 0]);
    // The first frame the env gets is the action: no claim was sent.
    expect(hex((await env.next()).data)).toBe(
      hex(pyBytes(`81 a7 'actions' ${ndarray('0000803f 00000000', '<f4', '91 02')}`)),
    );
    const observation = await client.observation();
    expect((observation.data.state as NdArray).data).toEqual(Float32Array.of(1, 0));
    const stepped = client.step([0, 1]);
    await env.next();
    env.send(pyObservation('0000803f 0000803f', true));
    expect((await stepped).terminated).toBe(true);
  });

  it('raises the env error of a text frame on connect, on claim, and in the episode', async () => {
    const server = await envPeer();
    const onConnect = OpenPiClient.connect(binding(server.url));
    (await server.accept()).send('Traceback ...\nRuntimeError: sim crashed');
    const connectError = await onConnect.catch((error: unknown) => error);
    expect(RobotEnvError.isInstance(connectError)).toBe(true);
    expect((connectError as RobotEnvError).phase).toBe('connect');
    expect((connectError as Error).message).toBe(
      'robot env error on connect:\nTraceback ...\nRuntimeError: sim crashed',
    );

    const onClaim = OpenPiClient.connect(binding(server.url), { token: 'slot-0-ffffffff' });
    const claimEnv = await server.accept();
    claimEnv.send(PY_METADATA);
    await claimEnv.next();
    claimEnv.send("ValueError: unknown episode token: 'slot-0-ffffffff'");
    claimEnv.close();
    await expect(onClaim).rejects.toSatisfy(
      (error) =>
        RobotEnvError.isInstance(error) &&
        error.phase === 'claim' &&
        error.envMessage === "ValueError: unknown episode token: 'slot-0-ffffffff'",
    );

    const { client, env } = await connected(server.url, server.accept(), 'slot-0-1a2b3c4d');
    await client.observation();
    env.send('RuntimeError: slot 0 has already terminated');
    env.close(1011);
    await expect(client.observation()).rejects.toThrow(
      /^robot env error:\nRuntimeError: slot 0 has already terminated$/,
    );
    await expect(client.observation()).rejects.toSatisfy(
      (error) => HudError.isInstance(error) && error.code === 'connection_closed',
    );
    expect(client.connected).toBe(false);
    await expect(client.sendAction([0, 0])).rejects.toThrow(/robot connection 'robot' closed/);
  });

  it('rejects an observation that is not openpi msgpack', async () => {
    const server = await envPeer();
    const { client, env } = await connected(server.url, server.accept(), null);
    await client.observation();
    env.send(Buffer.of(0x82, 0xa1));
    await expect(client.observation()).rejects.toSatisfy(
      (error) =>
        HudError.isInstance(error) &&
        error.code === 'invalid_frame' &&
        /robot 'robot' frame is not valid msgpack/.test(error.message),
    );
    env.send(pyBytes(`81 a5 'state' ${ndarray('0000003f', '<f4', '91 02')}`));
    await expect(client.observation()).rejects.toThrow(/4 data bytes for shape \[2\]/);
  });

  it('fails with a retryable connection error when nothing listens, and times out without metadata', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const refused = await OpenPiClient.connect(binding(`ws://127.0.0.1:${closedPort}`)).catch(
      (error: unknown) => error,
    );
    const server = await envPeer();
    expect(isConnectionError(refused), String(refused)).toBe(true);

    const silent = OpenPiClient.connect(binding(server.url), { timeoutMs: 50 });
    await server.accept();
    await expect(silent).rejects.toSatisfy(
      (error) => HudError.isInstance(error) && error.code === 'timeout',
    );
  });

  it('is the registered client of every openpi protocol, claiming with the episode token', async () => {
    expect(findProtocolClient('openpi/0')).toBeDefined();
    expect(findProtocolClient('openpi/1')).toBeDefined();
    const server = await envPeer();
    const connecting = openPiClientFactory(binding(server.url), {
      episode: { token: 'slot-0-0badcafe' },
    });
    const env = await server.accept();
    env.send(PY_METADATA);
    expect(hex((await env.next()).data)).toBe(hex(pyBytes("81 a5 'claim' af 'slot-0-0badcafe'")));
    env.send(pyObservation('00000000 00000000'));
    const client = await connecting;
    cleanups.push(() => client.close());
    expect((await client.observation()).terminated).toBe(false);
  });
});
