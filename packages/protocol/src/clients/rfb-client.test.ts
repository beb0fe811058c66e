import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { hudRejection } from '../__fixtures__/thrown.js';
import { vncAuthResponse } from './rfb-auth.js';
import { RfbClient, type RfbConnectOptions } from './rfb-client.js';
import { SocketReader } from './rfb-reader.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** The server side of one connection: exact-length reads, writes, and everything the client sent. */
interface Peer {
  socket: Socket;
  read(length: number): Promise<Buffer>;
  write(bytes: Buffer | string): void;
}

const servers: Server[] = [];
const clients: RfbClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const server of servers.splice(0)) {
    server.close();
  }
});

/** A scripted RFB server for one connection; `script` runs against the accepted socket. */
async function fakeServer(
  script: (peer: Peer) => Promise<void>,
): Promise<{ port: number; done: Promise<void> }> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const done = new Promise<void>((resolve, reject) => {
    server.once('connection', (socket: Socket) => {
      const reader = new SocketReader(socket);
      socket.on('error', () => undefined);
      const peer: Peer = {
        socket,
        read: (length) => reader.read(length),
        write: (bytes) => void socket.write(bytes),
      };
      script(peer).then(resolve, reject);
    });
  });
  return { port: address.port, done };
}

function serverInit(width: number, height: number, name: string): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt16BE(width, 0);
  header.writeUInt16BE(height, 2);
  // x11vnc's native format: 32 bpp, depth 24, little-endian, true colour, shifts 16/8/0.
  hex('20 18 00 01 00ff 00ff 00ff 10 08 00 000000').copy(header, 4);
  header.writeUInt32BE(Buffer.byteLength(name), 20);
  return Buffer.concat([header, Buffer.from(name)]);
}

/** Plays a 3.8 server's side of the handshake and returns every byte the client sent. */
async function acceptHandshake(
  peer: Peer,
  options: { width?: number; height?: number; password?: string } = {},
): Promise<Buffer> {
  const received: Buffer[] = [];
  const read = async (length: number) => {
    const bytes = await peer.read(length);
    received.push(bytes);
    return bytes;
  };
  peer.write('RFB 003.008\n');
  await read(12);
  peer.write(options.password === undefined ? hex('01 01') : hex('01 02'));
  await read(1);
  if (options.password !== undefined) {
    const challenge = Buffer.from('0123456789abcdef');
    peer.write(challenge);
    const response = await read(16);
    const ok = response.equals(vncAuthResponse(challenge, options.password));
    if (!ok) {
      peer.write(Buffer.concat([hex('00000001 0000000c'), Buffer.from('bad password')]));
      return Buffer.concat(received);
    }
  }
  peer.write(hex('00000000'));
  await read(1);
  peer.write(serverInit(options.width ?? 4, options.height ?? 2, 'fake:0'));
  await read(20 + 20);
  return Buffer.concat(received);
}

async function connect(port: number, options: RfbConnectOptions = {}): Promise<RfbClient> {
  const client = await RfbClient.connect(`rfb://127.0.0.1:${port}`, options);
  clients.push(client);
  return client;
}

/** A Raw rectangle (RFC 6143 §7.7.1) in the client's R, G, B, X pixel format. */
function rawRect(x: number, y: number, width: number, pixels: [number, number, number][]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(x, 0);
  header.writeUInt16BE(y, 2);
  header.writeUInt16BE(width, 4);
  header.writeUInt16BE(pixels.length / width, 6);
  header.writeInt32BE(0, 8);
  return Buffer.concat([header, Buffer.from(pixels.flatMap(([r, g, b]) => [r, g, b, 0]))]);
}

describe('RfbClient handshake', () => {
  it('sends version, security None, shared ClientInit, SetPixelFormat and SetEncodings', async () => {
    let sent: Buffer = Buffer.alloc(0);
    const { port, done } = await fakeServer(async (peer) => {
      sent = await acceptHandshake(peer, { width: 1280, height: 800 });
    });
    const client = await connect(port);
    await done;
    expect(sent).toEqual(
      Buffer.concat([
        Buffer.from('RFB 003.008\n'),
        hex('01'),
        hex('01'),
        hex('00 000000  20 18 00 01 00ff 00ff 00ff 00 08 10 000000'),
        hex('02 00 0004  00000001 00000000 ffffff21 ffffff20'),
      ]),
    );
    expect([client.width, client.height, client.name]).toEqual([1280, 800, 'fake:0']);
  });

  it('logs in with VNC authentication when given a password', async () => {
    const { port, done } = await fakeServer((peer) =>
      acceptHandshake(peer, { password: 'hunter22' }).then(() => undefined),
    );
    const client = await connect(port, { password: 'hunter22' });
    await done;
    expect(client.width).toBe(4);
  });

  it("reports a refused password with the server's reason", async () => {
    const { port } = await fakeServer((peer) =>
      acceptHandshake(peer, { password: 'right' }).then(() => undefined),
    );
    const error = await hudRejection(connect(port, { password: 'wrong' }));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe('RFB authentication failed: bad password');
  });

  it("reports a refused connection (no security types) with the server's reason", async () => {
    const { port } = await fakeServer(async (peer) => {
      peer.write(Buffer.from('RFB 003.008\n'));
      await peer.read(12);
      peer.write(Buffer.concat([hex('00 00000008'), Buffer.from('too many')]));
    });
    const error = await hudRejection(connect(port));
    expect(error.message).toBe('RFB server refused the connection: too many');
  });

  it('fails with connection_closed (retried by HudClient.open) when the server hangs up', async () => {
    const { port } = await fakeServer(async (peer) => {
      peer.write(Buffer.from('RFB 003.008\n'));
      await peer.read(12);
      peer.socket.end();
    });
    expect((await hudRejection(connect(port))).code).toBe('connection_closed');
  });

  it('refuses a 3.3 server', async () => {
    const { port } = await fakeServer(async (peer) => {
      peer.write(Buffer.from('RFB 003.003\n'));
    });
    expect((await hudRejection(connect(port))).code).toBe('unsupported');
  });
});

describe('RfbClient screenshots', () => {
  it('requests a full update and encodes Raw and CopyRect rectangles as PNG', async () => {
    let request: Buffer = Buffer.alloc(0);
    const { port, done } = await fakeServer(async (peer) => {
      await acceptHandshake(peer, { width: 3, height: 2 });
      request = await peer.read(10);
      peer.write(
        Buffer.concat([
          hex('00 00 0003'),
          rawRect(0, 0, 3, [
            [255, 0, 0],
            [0, 255, 0],
            [0, 0, 255],
          ]),
          // LastRect ends the update before the announced count.
          hex('0000 0001 0002 0001 00000001  0001 0000'),
          hex('0000 0000 0000 0000 ffffff20'),
        ]),
      );
    });
    const client = await connect(port);
    const png = PNG.sync.read(await client.screenshot());
    await done;
    expect(request).toEqual(hex('03 00 0000 0000 0003 0002'));
    expect([png.width, png.height]).toEqual([3, 2]);
    const pixel = (x: number, y: number) => [
      ...png.data.subarray((y * 3 + x) * 4, (y * 3 + x) * 4 + 4),
    ];
    expect([pixel(0, 0), pixel(1, 0), pixel(2, 0)]).toEqual([
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
    ]);
    // The CopyRect took the 2x1 block at (1, 0) to (0, 1); (2, 1) was never painted: opaque black.
    expect([pixel(0, 1), pixel(1, 1), pixel(2, 1)]).toEqual([
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [0, 0, 0, 255],
    ]);
  });

  it('follows a DesktopSize change and asks again for the new size', async () => {
    const requests: Buffer[] = [];
    const { port, done } = await fakeServer(async (peer) => {
      await acceptHandshake(peer, { width: 4, height: 2 });
      requests.push(await peer.read(10));
      peer.write(hex('00 00 0001  0000 0000 0002 0001 ffffff21'));
      requests.push(await peer.read(10));
      peer.write(
        Buffer.concat([
          hex('00 00 0001'),
          rawRect(0, 0, 2, [
            [9, 9, 9],
            [8, 8, 8],
          ]),
        ]),
      );
    });
    const client = await connect(port);
    const image = await client.capture();
    await done;
    expect(requests).toEqual([hex('03 00 0000 0000 0004 0002'), hex('03 00 0000 0000 0002 0001')]);
    expect([image.width, image.height, client.width]).toEqual([2, 1, 2]);
    expect([...image.data]).toEqual([9, 9, 9, 255, 8, 8, 8, 255]);
  });

  it('skips bells, colour maps and cut text between updates', async () => {
    const { port } = await fakeServer(async (peer) => {
      await acceptHandshake(peer, { width: 1, height: 1 });
      await peer.read(10);
      peer.write(
        Buffer.concat([
          hex('02'),
          hex('01 00 0000 0001 ffff 0000 0000'),
          hex('03 000000 00000003'),
          Buffer.from('abc'),
          hex('00 00 0001'),
          rawRect(0, 0, 1, [[1, 2, 3]]),
        ]),
      );
    });
    const client = await connect(port);
    expect([...(await client.capture()).data]).toEqual([1, 2, 3, 255]);
  });

  it('fails every later call with invalid_frame once the stream is out of sync', async () => {
    const { port } = await fakeServer(async (peer) => {
      await acceptHandshake(peer);
      await peer.read(10);
      peer.write(hex('63'));
    });
    const client = await connect(port);
    const error = await hudRejection(client.screenshot());
    expect(error.code).toBe('invalid_frame');
    expect(error.message).toContain('unknown server message type 99');
    expect((await hudRejection(client.move(0, 0))).code).toBe('invalid_frame');
  });

  it('gives up on an update that never comes after updateTimeoutMs', async () => {
    const { port } = await fakeServer((peer) => acceptHandshake(peer).then(() => undefined));
    const client = await connect(port, { updateTimeoutMs: 100 });
    const error = await hudRejection(client.screenshot());
    expect(error.code).toBe('timeout');
  });
});

describe('RfbClient input', () => {
  /** Connects to a server that records every byte after the handshake until the client closes. */
  async function recording(
    options: RfbConnectOptions = {},
  ): Promise<{ client: RfbClient; sent: () => Promise<Buffer> }> {
    const chunks: Buffer[] = [];
    const { port, done } = await fakeServer(async (peer) => {
      await acceptHandshake(peer, { width: 640, height: 480 });
      // Byte by byte through the reader: input may share a TCP segment with the handshake's last bytes.
      for (;;) {
        const byte = await peer.read(1).catch(() => undefined);
        if (byte === undefined) return;
        chunks.push(byte);
      }
    });
    const client = await RfbClient.connect(`127.0.0.1:${port}`, options);
    return {
      client,
      sent: async () => {
        await client.close();
        await done;
        return Buffer.concat(chunks);
      },
    };
  }

  it('clicks: move, then press and release per click, modifiers around them', async () => {
    const { client, sent } = await recording();
    await client.click(100, 200, { button: 'right', count: 2, holdKeys: ['shift'] });
    expect(await sent()).toEqual(
      hex(`05 00 0064 00c8  04 01 0000 0000ffe1
           05 04 0064 00c8  05 00 0064 00c8  05 04 0064 00c8  05 00 0064 00c8
           04 00 0000 0000ffe1`),
    );
    expect(client.pointer).toEqual({ x: 100, y: 200 });
  });

  it('scrolls with wheel buttons 4/5 and 6/7', async () => {
    const { client, sent } = await recording();
    await client.scroll(1, 2, { dy: 2, dx: -1 });
    expect(await sent()).toEqual(
      hex(`05 00 0001 0002
           05 10 0001 0002  05 00 0001 0002  05 10 0001 0002  05 00 0001 0002
           05 20 0001 0002  05 00 0001 0002`),
    );
  });

  it('scrolls sideways with Shift + wheel when told the server drops buttons 6/7', async () => {
    const { client, sent } = await recording({ horizontalScroll: 'shift-wheel' });
    await client.scroll(1, 2, { dx: 1, dy: -1 });
    expect(await sent()).toEqual(
      hex(`05 00 0001 0002
           05 08 0001 0002  05 00 0001 0002
           04 01 0000 0000ffe1  05 10 0001 0002  05 00 0001 0002  04 00 0000 0000ffe1`),
    );
  });

  it('presses chords in order and releases them in reverse; types text key by key', async () => {
    const { client, sent } = await recording();
    await client.keyPress('ctrl+c');
    await client.type('A\n');
    expect(await sent()).toEqual(
      hex(`04 01 0000 0000ffe3  04 01 0000 00000063  04 00 0000 00000063  04 00 0000 0000ffe3
           04 01 0000 00000041  04 00 0000 00000041  04 01 0000 0000ff0d  04 00 0000 0000ff0d`),
    );
  });

  it('drags: press at the start, interpolated moves with the button held, release at the end', async () => {
    const { client, sent } = await recording();
    await client.drag(
      [
        { x: 0, y: 0 },
        { x: 30, y: 40 },
      ],
      { holdMs: 0, stepDelayMs: 0 },
    );
    // 50 px → 3 steps of at most 20 px: (10, 13), (20, 27), (30, 40).
    expect(await sent()).toEqual(
      hex(`05 00 0000 0000  05 01 0000 0000
           05 01 000a 000d  05 01 0014 001b  05 01 001e 0028
           05 00 001e 0028`),
    );
  });

  it('refuses points off the screen and sends nothing', async () => {
    const { client, sent } = await recording();
    const error = await hudRejection(client.click(640, 0));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('outside the 640x480 screen');
    expect((await hudRejection(client.move(1.5, 2))).code).toBe('invalid_argument');
    expect((await hudRejection(client.drag([{ x: 1, y: 1 }]))).code).toBe('invalid_argument');
    expect(await sent()).toEqual(Buffer.alloc(0));
  });

  it('releases held buttons on close, then refuses further calls', async () => {
    const { client, sent } = await recording();
    await client.move(5, 6);
    await client.mouseDown('middle');
    expect(await sent()).toEqual(hex('05 00 0005 0006  05 02 0005 0006  05 00 0005 0006'));
    expect((await hudRejection(client.keyPress('a'))).code).toBe('connection_closed');
  });
});
