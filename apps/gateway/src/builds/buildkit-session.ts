import { randomUUID } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { decodeSecretRequest, encodeSecretResponse, encodeServing } from './buildkit-proto.js';

const SECRET_METHOD = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
const HEALTH_METHOD = '/grpc.health.v1.Health/Check';

/** gRPC status codes used here. */
const GRPC_OK = 0;
const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;

/** An open BuildKit session: pass `id` as the build's `session`; `close()` ends it. */
export interface BuildkitSession {
  readonly id: string;
  close(): void;
}

/** A gRPC message frame: a 0 (uncompressed) flag, the 4-byte big-endian length, the message. */
function frame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

function serve(
  stream: http2.ServerHttp2Stream,
  path: string,
  body: Buffer,
  secrets: ReadonlyMap<string, Uint8Array>,
) {
  let status = GRPC_OK;
  let reply: Uint8Array | undefined;
  let message = '';
  if (path === HEALTH_METHOD) {
    reply = encodeServing();
  } else if (path === SECRET_METHOD) {
    const id = decodeSecretRequest(body.subarray(5));
    const value = secrets.get(id);
    if (value) reply = encodeSecretResponse(value);
    else {
      status = GRPC_NOT_FOUND;
      message = `secret ${id} not found`;
    }
  } else {
    status = GRPC_UNIMPLEMENTED;
    message = `${path} is not served by this session`;
  }
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () =>
    stream.sendTrailers({
      'grpc-status': String(status),
      ...(message ? { 'grpc-message': encodeURIComponent(message) } : {}),
    }),
  );
  stream.end(reply ? frame(reply) : undefined);
}

/** The request options reaching the engine the way `docker.modem` does (unix socket or TCP). */
async function engineTarget(docker: Docker): Promise<http.RequestOptions> {
  const modem = docker.modem as unknown as {
    socketPath?: unknown;
    getSocketPath?: () => Promise<string | undefined>;
    host?: string;
    port?: number;
  };
  const socketPath = modem.socketPath ? await modem.getSocketPath?.() : undefined;
  if (socketPath) return { socketPath };
  return { host: modem.host ?? '127.0.0.1', port: modem.port ?? 2375 };
}

/**
 * Opens a BuildKit session on the engine (`POST /session`, upgraded to h2c) that serves `secrets` to
 * `RUN --mount=type=secret,id=…` steps, as `docker build --secret` does: the engine is the gRPC client,
 * this process answers `Secrets/GetSecret` and health checks over the upgraded connection. The values stay
 * in this process's memory; nothing is written anywhere.
 * @throws Error when the engine refuses the upgrade.
 */
export async function openBuildkitSession(
  docker: Docker,
  secrets: Readonly<Record<string, string>>,
): Promise<BuildkitSession> {
  const id = randomUUID();
  const target = await engineTarget(docker);
  const values = new Map(Object.entries(secrets).map(([key, value]) => [key, Buffer.from(value)]));
  return new Promise((resolve, reject) => {
    const request = http.request({
      ...target,
      method: 'POST',
      path: '/session',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'h2c',
        'X-Docker-Expose-Session-Uuid': id,
        'X-Docker-Expose-Session-Name': 'hud-gateway',
        'X-Docker-Expose-Session-Sharedkey': id,
        'X-Docker-Expose-Session-Grpc-Method': [SECRET_METHOD, HEALTH_METHOD],
      },
    });
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () =>
        reject(new Error(`the engine refused a build session (${response.statusCode}): ${text}`)),
      );
    });
    request.on('error', reject);
    request.on('upgrade', (_response, socket: Socket, head: Buffer) => {
      // http2 reads a native socket below the JS stream, where bytes already read (`head`, the engine's
      // first frames) would be lost: hand it a JS stream that starts with them instead.
      const channel = new Duplex({
        read() {
          socket.resume();
        },
        write(chunk, encoding, callback) {
          socket.write(chunk, encoding, callback);
        },
        final(callback) {
          socket.end(callback);
        },
      });
      if (head.length > 0) channel.push(head);
      socket.on('data', (chunk: Buffer) => {
        if (!channel.push(chunk)) socket.pause();
      });
      socket.on('end', () => channel.push(null));
      socket.on('close', () => channel.destroy());
      const server = http2.createServer();
      server.on('stream', (stream, headers) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () =>
          serve(stream, String(headers[':path']), Buffer.concat(chunks), values),
        );
        stream.on('error', () => {});
      });
      server.on('sessionError', () => {});
      server.emit('connection', channel);
      channel.on('error', () => {});
      socket.on('error', () => {});
      resolve({
        id,
        close: () => {
          socket.destroy();
          server.close();
        },
      });
    });
    request.end();
  });
}
