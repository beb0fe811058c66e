/**
 * Ways to splice two sockets, measured against each other by tunnel.bench.ts in a bench-local relay.
 * `current` is what packages/environment/src/tunnel.ts `splice` did when these were compared (pipe() both
 * ways); `proposed` is the replacement suggested in bench/README.md, which tunnel.ts has since taken; the
 * others are experiments kept for comparison.
 */
import net from 'node:net';

/** Joins a tunnel client socket and its backend socket, both ways, with half-close. */
export type Splice = (client: net.Socket, backend: net.Socket) => void;

/** A splice, and how the relay connects its backend (some splices need options at construction). */
export interface SpliceKind {
  readonly splice: Splice;
  /** Connects the backend for `client` (default: net.connect with allowHalfOpen and noDelay). */
  readonly connect?: (endpoint: { host: string; port: number }, client: net.Socket) => net.Socket;
}

/** An error on either socket destroys both. */
function destroyBothOnError(client: net.Socket, backend: net.Socket): void {
  const destroyBoth = () => {
    client.destroy();
    backend.destroy();
  };
  client.on('error', destroyBoth);
  backend.on('error', destroyBoth);
}

/** tunnel.ts's splice before `proposed`: pipe() both ways, an error destroys both. */
const current: Splice = (client, backend) => {
  destroyBothOnError(client, backend);
  client.pipe(backend);
  backend.pipe(client);
  client.resume();
};

/**
 * A socket that closes before both of its directions finished was reset or destroyed (e.g. by the
 * server's shutdown): take the other side down too, so no orphaned backend connection keeps the
 * process — or the capability's listener — busy.
 */
function closeTogether(client: net.Socket, backend: net.Socket): void {
  const follow = (socket: net.Socket, other: net.Socket) =>
    socket.once('close', () => {
      if (!(socket.readableEnded && socket.writableFinished)) other.destroy();
    });
  follow(client, backend);
  follow(backend, client);
}

/** `current` plus closeTogether (the correctness fix proposed for tunnel.ts). */
const closing: Splice = (client, backend) => {
  closeTogether(client, backend);
  current(client, backend);
};

/**
 * Forwards with `data` events and coalesces the chunks of one event-loop turn into one writev:
 * the destination is corked on the first chunk of a turn and uncorked in setImmediate.
 */
function forwardCoalesced(from: net.Socket, to: net.Socket): void {
  let corked = false;
  const flush = () => {
    corked = false;
    to.uncork();
  };
  from.on('data', (chunk: Buffer) => {
    if (!corked) {
      corked = true;
      to.cork();
      setImmediate(flush);
    }
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

const coalescing: Splice = (client, backend) => {
  destroyBothOnError(client, backend);
  closeTogether(client, backend);
  forwardCoalesced(client, backend);
  forwardCoalesced(backend, client);
  client.resume();
};

/**
 * The backend reads into one reusable buffer of `bytes` (socket `onread`), written to the client and not
 * reused before that write has left (the backend is paused until its callback): no allocation per read.
 * The accepted client socket cannot take `onread` (node creates it), so client→backend still uses pipe().
 * With 64 KiB (as `proposed`) this is the splice proposed for tunnel.ts (closeTogether included).
 */
function userBuffer(bytes: number): SpliceKind {
  return {
    connect(endpoint, client) {
      const buffer = Buffer.allocUnsafe(bytes);
      const resume = () => backend.resume();
      const backend: net.Socket = net.connect({
        ...endpoint,
        allowHalfOpen: true,
        noDelay: true,
        onread: {
          buffer,
          callback(read: number, view: Uint8Array): boolean {
            client.write(view.subarray(0, read), resume);
            // Written at once: the buffer is free again. Otherwise wait for the write callback.
            return client.writableLength === 0;
          },
        },
      });
      return backend;
    },
    splice(client, backend) {
      destroyBothOnError(client, backend);
      closeTogether(client, backend);
      client.pipe(backend);
      backend.on('end', () => client.end());
      client.resume();
    },
  };
}

/** The splices tunnel.bench.ts can compare, by name. */
export const SPLICES: Record<string, SpliceKind> = {
  current: { splice: current },
  closing: { splice: closing },
  coalescing: { splice: coalescing },
  proposed: userBuffer(64 * 1024),
  'user-buffer-256k': userBuffer(256 * 1024),
};
