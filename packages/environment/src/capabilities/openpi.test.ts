import {
  HudClient,
  NdArray,
  OpenPiClient,
  openPiClientFactory,
  type ProtocolClientContext,
  type RobotContract,
  RobotEnvError,
  registerProtocolClient,
} from '@hud/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { closeAll, served } from '../__fixtures__/served.js';
import { Environment } from '../environment.js';
import { isProtectedCapability, startProtected } from './endpoint-protection.js';
import {
  type RobotFrame,
  RobotServer,
  type RobotSim,
  robotCapability,
  serveRobot,
} from './openpi.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await closeAll();
});

const CONTRACT: RobotContract = {
  robot_type: 'test_bot',
  control_rate: 10,
  features: {
    state: { role: 'observation', dtype: 'float32', shape: [2] },
    action: { role: 'action', dtype: 'float32', shape: [2] },
  },
};

/** A point that moves by each action; the episode ends after `horizon` steps. */
class PointSim implements RobotSim {
  position = new Float32Array(2);
  steps = 0;
  goal = '';
  constructor(readonly horizon = 2) {}
  reset(args: Record<string, unknown>): string {
    this.position = new Float32Array(2);
    this.steps = 0;
    this.goal = String(args.goal ?? '');
    return `move to ${this.goal}`;
  }
  step(action: NdArray<Float32Array>): void {
    this.position[0] = (this.position[0] ?? 0) + (action.data[0] ?? 0);
    this.position[1] = (this.position[1] ?? 0) + (action.data[1] ?? 0);
    this.steps += 1;
  }
  observe(): RobotFrame {
    return {
      data: { state: new NdArray(Float32Array.from(this.position)) },
      terminated: this.steps >= this.horizon,
    };
  }
  get success(): boolean {
    return this.position[0] === 1;
  }
}

async function startServer(sim: RobotSim = new PointSim()): Promise<RobotServer> {
  const server = new RobotServer(sim, { contract: CONTRACT });
  await server.start();
  cleanups.push(() => server.close());
  return server;
}

/** Bytes from hex with spaces; `'…'` runs are ASCII (as in Python's b'...'). */
function bytes(spec: string): Buffer {
  const out: number[] = [];
  for (const token of spec.match(/'[^']*'|[0-9a-f]{2}/g) ?? []) {
    if (token.startsWith("'")) out.push(...Buffer.from(token.slice(1, -1), 'latin1'));
    else out.push(Number.parseInt(token, 16));
  }
  return Buffer.from(out);
}
const hex = (data: Uint8Array) => Buffer.from(data).toString('hex');

// msgpack_numpy.packb(...) of openpi-client, as printed by msgpack-python 1.0.3 with numpy 2.4.
const f4 = (hexData: string, shape = '91 02') =>
  `84 c4 0b '__ndarray__' c3 c4 04 'data' c4 08 ${hexData} c4 05 'dtype' a3 '<f4' c4 05 'shape' ${shape}`;
const PY_METADATA = bytes("81 ae 'claim_required' c3");
const pyClaim = (token: string) => bytes(`81 a5 'claim' a${token.length.toString(16)} '${token}'`);
const PY_CLAIM_NONE = bytes("81 a5 'claim' c0");
const pyObservation = (state: string, terminated: boolean) =>
  bytes(`82 a5 'state' ${f4(state)} aa 'terminated' ${terminated ? 'c3' : 'c2'}`);
const pyActions = (data: string, dtype = "a3 '<f4'", shape = '91 02') =>
  bytes(
    `81 a7 'actions' 84 c4 0b '__ndarray__' c3 c4 04 'data' c4 ${(data.replace(/ /g, '').length / 2).toString(16).padStart(2, '0')} ${data} c4 05 'dtype' ${dtype} c4 05 'shape' ${shape}`,
  );

interface Peer {
  next(): Promise<{ data: Buffer; isBinary: boolean }>;
  send(data: Uint8Array | string): void;
  closed: Promise<number>;
}

/** A raw WebSocket client that frames messages by hand, as openpi's / hud-python's Python clients do. */
async function peer(url: string): Promise<Peer> {
  const socket = new WebSocket(url);
  const inbox: { data: Buffer; isBinary: boolean }[] = [];
  const waiting: ((message: { data: Buffer; isBinary: boolean }) => void)[] = [];
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const waiter = waiting.shift();
    if (waiter) waiter({ data, isBinary });
    else inbox.push({ data, isBinary });
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  cleanups.push(async () => {
    socket.terminate();
    await closed;
  });
  return {
    next: () => {
      const queued = inbox.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    },
    send: (data) => socket.send(data, { binary: typeof data !== 'string' }),
    closed,
  };
}

/** Connects, checks the metadata frame, and claims with `claim`. */
async function claimed(server: RobotServer, claim: Buffer): Promise<Peer> {
  const client = await peer(server.url);
  const metadata = await client.next();
  expect(metadata.isBinary).toBe(true);
  expect(hex(metadata.data)).toBe(hex(PY_METADATA));
  client.send(claim);
  return client;
}

async function expectRefusal(client: Peer, message: RegExp): Promise<void> {
  const frame = await client.next();
  expect(frame.isBinary, 'errors are text frames').toBe(false);
  expect(frame.data.toString('utf8')).toMatch(message);
  expect(await client.closed).toBe(1011);
}

describe('RobotServer against a peer framing messages as the Python client does', () => {
  it('sends metadata first, then observations byte for byte as msgpack_numpy, and steps once per action', async () => {
    const sim = new PointSim(2);
    const server = await startServer(sim);
    const episode = await server.reset({ goal: 'x=1' });
    expect(episode.prompt).toBe('move to x=1');
    expect(episode.token).toMatch(/^slot-0-[0-9a-f]{8}$/);

    const client = await claimed(server, pyClaim(episode.token));
    expect(hex((await client.next()).data)).toBe(hex(pyObservation('00000000 00000000', false)));
    client.send(pyActions('0000003f 000080be'));
    expect(hex((await client.next()).data)).toBe(hex(pyObservation('0000003f 000080be', false)));
    client.send(pyActions('0000003f 0000803e'));
    const last = await client.next();
    expect(hex(last.data)).toBe(hex(pyObservation('0000803f 00000000', true)));

    // The episode is over: one more action is refused.
    client.send(pyActions('00000000 00000000'));
    await expectRefusal(client, /^RuntimeError: slot 0 has already terminated$/);
    expect(await server.result(episode.token)).toMatchObject({ score: 1, success: true });
  });

  it('a tokenless claim binds the only claimed slot; grading frees it and closes the connection', async () => {
    const server = await startServer();
    await server.reset({ goal: 'a' });
    const client = await claimed(server, PY_CLAIM_NONE);
    expect((await client.next()).isBinary).toBe(true);
    const grade = await server.result();
    expect(grade).toMatchObject({ score: 0, success: false });
    expect(await client.closed).toBe(1000);
  });

  it('refuses a second client while the first drives the robot, and a wrong or missing claim', async () => {
    const server = await startServer();
    const { token } = await server.reset();
    const first = await claimed(server, pyClaim(token));
    await first.next();

    await expectRefusal(
      await claimed(server, PY_CLAIM_NONE),
      /^RuntimeError: slot 0 already has a live connection$/,
    );
    await expectRefusal(
      await claimed(server, pyClaim('slot-0-00000000')),
      /^ValueError: unknown episode token: 'slot-0-00000000'$/,
    );
    await expectRefusal(
      await claimed(server, bytes("81 a5 'hello' 01")),
      /first frame must be \{"claim": <token or None>\}/,
    );
    const texting = await peer(server.url);
    await texting.next();
    texting.send('{"claim": null}');
    await expectRefusal(texting, /expected a binary msgpack frame, got text/);

    // The first client is unaffected.
    first.send(pyActions('0000803f 00000000'));
    expect(hex((await first.next()).data)).toBe(hex(pyObservation('0000803f 00000000', false)));
  });

  it('served with a token, refuses a tokenless claim and accepts only the episode token', async () => {
    const server = new RobotServer(new PointSim(), { contract: CONTRACT });
    // serve(env, {token}) starts the environment's hooks this way (hud serve --token).
    await startProtected(true, () => server.start());
    cleanups.push(() => server.close());
    expect(isProtectedCapability(server.capability())).toBe(true);
    const { token } = await server.reset({ goal: 'a' });
    await expectRefusal(
      await claimed(server, PY_CLAIM_NONE),
      /^ValueError: this robot is served with a token: claim with the episode token from tasks\.start$/,
    );
    const client = await claimed(server, pyClaim(token));
    expect((await client.next()).isBinary).toBe(true);
  });

  it('without a token, a tokenless claim stays allowed (hud-python) and the record is not protected', async () => {
    const server = await startServer();
    expect(isProtectedCapability(server.capability())).toBe(false);
  });

  it('refuses a claim when no episode was started', async () => {
    const server = await startServer();
    await expectRefusal(
      await claimed(server, PY_CLAIM_NONE),
      /tokenless claim needs exactly one claimed slot, found 0; pass the token from reset\(\)/,
    );
  });

  it.each([
    ['malformed msgpack', Buffer.of(0xc1), /^ValueError: action frame is not valid msgpack/],
    [
      'an unsupported dtype',
      pyActions('0000003f 000080be', "a3 '<c8'", '91 01'),
      /action frame 'actions': unsupported dtype "<c8"/,
    ],
    [
      'data that does not fill the shape',
      pyActions('0000003f 000080be', "a3 '<f4'", '91 03'),
      /'actions': 8 data bytes for shape \[3\] of <f4 \(needs 12\)/,
    ],
    [
      'an action of the wrong size for the contract',
      pyActions('0000003f 000080be 00000000', "a3 '<f4'", '91 03'),
      /'actions' has 3 values \(shape \[3\]\); the contract's action 'action' has shape \[2\]/,
    ],
    ['a frame without actions', bytes("81 a6 'action' 01"), /got keys \[action\]/],
  ])('answers %s with a text error frame and closes (1011)', async (_, frame, message) => {
    const server = await startServer();
    const { token } = await server.reset();
    const client = await claimed(server, pyClaim(token));
    await client.next();
    client.send(frame);
    await expectRefusal(client, message);
  });

  it('queues a second reset until the first episode is graded', async () => {
    const server = await startServer();
    const first = await server.reset({ goal: 'a' });
    let secondStarted = false;
    const second = server.reset({ goal: 'b' }).then((episode) => {
      secondStarted = true;
      return episode;
    });
    for (let tick = 0; tick < 5; tick++) await new Promise((resolve) => setImmediate(resolve));
    expect(secondStarted).toBe(false);
    await server.result(first.token);
    expect((await second).token).not.toBe(first.token);
    await expect(server.result(first.token)).rejects.toThrow(/unknown episode token/);
  });
});

describe('robotCapability', () => {
  it('fills scheme ws and port 9091 as hud-python Capability.robot does, and publishes the contract', () => {
    expect(robotCapability({ url: 'somehost', contract: CONTRACT })).toEqual({
      name: 'robot',
      protocol: 'openpi/0',
      url: 'ws://somehost:9091',
      params: { contract: CONTRACT },
    });
    expect(robotCapability({ name: 'arm', url: 'ws://127.0.0.1:80', contract: CONTRACT }).url).toBe(
      'ws://127.0.0.1:80',
    );
    expect(() => robotCapability({ url: 'ws://', contract: CONTRACT })).toThrow(/needs a host/);
  });
});

describe('HudClient.open on a served robot', () => {
  function robotEnv(sim: PointSim) {
    const env = new Environment({ name: 'point', version: '0.1.0' });
    const robot = serveRobot(env, sim, { contract: CONTRACT });
    env.template({ id: 'move', args: z.object({ goal: z.string() }) }, async function* ({ goal }) {
      const { prompt, token } = await robot.reset({ goal });
      try {
        yield { prompt, bindings: { robot: { token } } };
        yield await robot.result(token);
      } finally {
        await robot.release(token);
      }
    });
    return env;
  }

  it('claims the episode with its token through the tunnel, steps to the goal and grades 1.0', async () => {
    const { server } = await served(robotEnv(new PointSim(3)));
    const client = await HudClient.connect(server.url, { heartbeatIntervalMs: 0 });
    cleanups.push(() => client.close());
    expect(client.manifest?.bindings).toEqual([
      {
        name: 'robot',
        protocol: 'openpi/0',
        url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/),
        params: { contract: CONTRACT },
      },
    ]);
    const start = await client.startTask('move', { goal: 'x=1' });
    expect(start.prompt).toBe('move to x=1');
    // Watch what HudClient.open hands the registered openpi client (a full id wins over the family).
    const contexts: ProtocolClientContext[] = [];
    const unregister = registerProtocolClient('openpi/0', (binding, context) => {
      contexts.push(context);
      return openPiClientFactory(binding, context);
    });
    cleanups.push(async () => unregister());
    const robot = await client.open<OpenPiClient>('robot');
    expect(contexts.map((context) => context.episode)).toEqual([start.bindings?.robot]);
    expect(start.bindings?.robot?.token).toMatch(/^slot-0-[0-9a-f]{8}$/);
    expect(robot).toBeInstanceOf(OpenPiClient);
    expect(robot.metadata).toEqual({ claim_required: true });
    expect(robot.spaces().action?.name).toBe('action');

    // A second agent cannot take the robot over, with or without the token.
    await expect(OpenPiClient.connect(client.binding('robot'))).rejects.toSatisfy(
      (error) =>
        RobotEnvError.isInstance(error) && /already has a live connection/.test(error.message),
    );

    let observation = await robot.observation();
    expect([...(observation.data.state as NdArray).data]).toEqual([0, 0]);
    observation = await robot.step(new Float32Array([0.5, 0]));
    observation = await robot.step([0.5, 0]);
    expect((observation.data.state as NdArray).data).toEqual(Float32Array.of(1, 0));
    expect(observation.terminated).toBe(false);
    // The default grade, hud-python's `{score, success, total_reward}`, as it crosses the wire.
    expect(await client.grade({ answer: '' })).toEqual({
      score: 1,
      success: true,
      total_reward: 0,
    });
  });
});
