import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { LoopbackServer } from '@hud/protocol';
import type Docker from 'dockerode';

/**
 * Run inside the container per connection: pipes stdin/stdout to the control port on the container's own
 * loopback and exits when that connection closes.
 */
const BRIDGE_SCRIPT =
  "const s=require('net').connect(+process.argv[1],'127.0.0.1');" +
  'process.stdin.pipe(s);s.pipe(process.stdout);' +
  "s.on('error',()=>process.exit(1));s.on('close',()=>process.exit(0));";

/**
 * The control port of a container without a network (`NetworkMode: 'none'`), where the engine publishes no
 * ports: a loopback listener (`127.0.0.1:0`) on the host whose every connection runs
 * `node -e <bridge> <port>` in the container through `docker exec` and splices the two. Needs `node` on the
 * image's PATH (every hud-ts environment image has it). Each connection costs one exec (tens of ms).
 * @internal
 */
export class ExecBridge {
  readonly port: number;
  readonly #listener: LoopbackServer;

  private constructor(listener: LoopbackServer) {
    this.#listener = listener;
    this.port = listener.port;
  }

  /** Listens on 127.0.0.1 for connections to bridge to `targetPort` inside `container`. */
  static async listen(container: Docker.Container, targetPort: number): Promise<ExecBridge> {
    const listener = await LoopbackServer.listen((socket) => {
      socket.on('error', () => socket.destroy());
      splice(container, targetPort, socket).catch(() => socket.destroy());
    });
    return new ExecBridge(listener);
  }

  /** Stops listening and drops every bridged connection. */
  close(): Promise<void> {
    return this.#listener.close();
  }
}

/** Runs the bridge script in `container` for one host connection and splices the two. */
async function splice(
  container: Docker.Container,
  targetPort: number,
  socket: Socket,
): Promise<void> {
  const exec = await container.exec({
    Cmd: ['node', '-e', BRIDGE_SCRIPT, String(targetPort)],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & {
    destroy(): void;
  };
  if (socket.destroyed) {
    stream.destroy();
    return;
  }
  const stdout = new PassThrough();
  container.modem.demuxStream(stream, stdout, new PassThrough().resume());
  stdout.pipe(socket);
  socket.pipe(stream);
  // The exec ended (the bridge exited): flush what it wrote, then end the host connection.
  stream.on('end', () => stdout.end());
  stream.on('close', () => stdout.end());
  stream.on('error', () => socket.destroy());
  socket.on('close', () => stream.destroy());
  socket.resume();
}
