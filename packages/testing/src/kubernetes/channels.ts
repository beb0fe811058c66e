import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import type { FakePod } from './fake-pod.js';

/** The channel subprotocol the fake speaks (the official client offers v5…v1; v4 is what it picks). */
export const CHANNEL_PROTOCOL = 'v4.channel.k8s.io';

/** A binary message on `channel`: one channel byte, then `data`. */
export function frame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from([channel]), payload]);
}

/**
 * Messages of `ws` from now on, queued until a handler takes them: a handler registered after an `await`
 * would miss the client's first bytes (the official client sends its first port-forward data as soon as
 * the socket opens).
 * @internal
 */
export function buffered(ws: WebSocket): { take(handler: (data: Buffer) => void): void } {
  const queue: Buffer[] = [];
  let handler: ((data: Buffer) => void) | undefined;
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const buffer = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (handler) handler(buffer);
    else queue.push(buffer);
  });
  return {
    take(next) {
      handler = next;
      for (const data of queue.splice(0)) next(data);
    },
  };
}

/**
 * Serves a port-forward WebSocket (`portforward.k8s.io` framing over the channel protocol): data channel
 * 0 and error channel 1, each opened by a message of the 2-byte little-endian port; the client's channel-0
 * messages go to a TCP connection to `<pod IP>:<port>`, the pod's bytes come back on channel 0; a refused
 * connection is reported on channel 1. `drop` terminates the WebSocket (no close frame) when the client
 * writes again after the pod's first bytes reached it (for hud's control channel: the request after
 * `hello`).
 * @internal
 */
export function servePortForward(
  ws: WebSocket,
  messages: ReturnType<typeof buffered>,
  pod: FakePod,
  port: number,
  drop: boolean,
): void {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16LE(port, 0);
  ws.send(frame(0, prefix));
  ws.send(frame(1, prefix));
  const ip = pod.object.status.podIP;
  if (!ip) {
    ws.send(frame(1, `error forwarding port ${port} to pod ${pod.key}: pod has no IP`));
    ws.close(1000);
    return;
  }
  const tcp = connect({ host: ip, port });
  let answered = false;
  tcp.on('data', (data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame(0, data));
    answered = true;
  });
  tcp.on('error', (error) => {
    if (ws.readyState === ws.OPEN) {
      ws.send(frame(1, `error forwarding port ${port} to pod ${pod.key}: ${error.message}`));
      ws.close(1000);
    }
  });
  tcp.on('end', () => {
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
  messages.take((data) => {
    if (drop && answered) {
      // Cut the connection as a dying proxy would: no close frame, the client's bytes lost.
      ws.terminate();
      tcp.destroy();
      return;
    }
    if (data[0] === 0 && data.length > 1) tcp.write(data.subarray(1));
  });
  ws.on('close', () => tcp.destroy());
}

/**
 * Serves an exec WebSocket: runs `command` in the pod's container (`docker exec`), its stdout on channel
 * 1, stderr on 2, client channel 0 to its stdin, and a `Status` on channel 3 when it ends (`Success`, or
 * `Failure` with the exit code as `details.causes[{reason: 'ExitCode'}]`), then closes.
 * @internal
 */
export async function serveExec(
  ws: WebSocket,
  messages: ReturnType<typeof buffered>,
  pod: FakePod,
  command: string[],
  stdin: boolean,
): Promise<void> {
  const container = pod.container;
  if (!container || pod.object.status.phase !== 'Running') {
    ws.send(
      frame(3, JSON.stringify({ status: 'Failure', message: `pod ${pod.key} is not running` })),
    );
    ws.close(1000);
    return;
  }
  const exec = await container.exec({
    Cmd: command,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: stdin,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (data: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(1, data)));
  stderr.on('data', (data: Buffer) => ws.readyState === ws.OPEN && ws.send(frame(2, data)));
  container.modem.demuxStream(stream, stdout, stderr);
  messages.take((data) => {
    if (data[0] === 0 && stdin) stream.write(data.subarray(1));
    if (data[0] === 255 && data[1] === 0) stream.end();
  });
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  const { ExitCode } = await exec.inspect();
  const code = ExitCode ?? -1;
  const status =
    code === 0
      ? { metadata: {}, status: 'Success' }
      : {
          metadata: {},
          status: 'Failure',
          message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
        };
  if (ws.readyState === ws.OPEN) {
    ws.send(frame(3, JSON.stringify(status)));
    ws.close(1000);
  }
}
