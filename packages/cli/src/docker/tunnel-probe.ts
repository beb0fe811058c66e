import { connect, type Socket } from 'node:net';
import {
  type Capability,
  encodeRequest,
  FrameDecoder,
  isObjectFrame,
  Method,
  parseControlUrl,
} from '@hud/protocol';

/** What {@link probeTunnel} found for one binding. */
export interface TunnelProbe {
  readonly ok: boolean;
  /** One line: what answered, or why not. */
  readonly detail: string;
}

/** A first message to send through the tunnel and what the answer starts with, per protocol family. */
function greeting(binding: Capability): { send?: string; expect?: string } {
  const family = binding.protocol.split('/')[0]?.toLowerCase() ?? '';
  const scheme = binding.url.split(':')[0]?.toLowerCase() ?? '';
  if (family === 'ssh') return { expect: 'SSH-' }; // the server speaks first (RFC 4253 §4.2)
  if (family === 'rfb') return { expect: 'RFB ' }; // RFC 6143 §7.1.1
  if (scheme === 'http' || scheme === 'https' || family === 'mcp' || family === 'cdp') {
    return {
      send: 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      expect: 'HTTP/',
    };
  }
  return {};
}

/**
 * Opens a `tunnel.open` stream to `binding` through the control endpoint at `url` (a raw connection, as the
 * client's forwarders do) and checks that bytes flow: an SSH or RFB server's banner, an HTTP reply for
 * HTTP-based protocols (MCP, CDP), else just a successful `tunnel.open` reply.
 */
export async function probeTunnel(
  url: string,
  binding: Capability,
  timeoutMs = 5_000,
): Promise<TunnelProbe> {
  const endpoint = parseControlUrl(url);
  const socket: Socket = connect(endpoint.port, endpoint.host);
  const { send, expect } = greeting(binding);
  return new Promise<TunnelProbe>((resolve) => {
    let settled = false;
    let opened = false;
    let received: Buffer = Buffer.alloc(0);
    const decoder = new FrameDecoder();
    const finish = (probe: TunnelProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(probe);
    };
    const timer = setTimeout(() => {
      finish(
        opened
          ? {
              ok: expect === undefined,
              detail:
                expect === undefined
                  ? 'tunnel open (no bytes expected)'
                  : `tunnel open, but no '${expect.trim()}' answer within ${timeoutMs / 1000} s (${received.length} bytes)`,
            }
          : { ok: false, detail: `no tunnel.open reply within ${timeoutMs / 1000} s` },
      );
    }, timeoutMs);
    const checkBytes = () => {
      if (expect !== undefined && received.length >= expect.length) {
        const head = received.subarray(0, expect.length).toString('latin1');
        const firstLine = received.toString('latin1').split(/\r?\n/, 1)[0]?.slice(0, 60);
        finish(
          head === expect
            ? { ok: true, detail: `bytes flow: ${JSON.stringify(firstLine)}` }
            : { ok: false, detail: `unexpected answer ${JSON.stringify(firstLine)}` },
        );
      }
    };
    socket.on('connect', () => {
      socket.write(encodeRequest(1, Method.TunnelOpen, { capability: binding.name }));
    });
    socket.on('data', (chunk: Buffer) => {
      if (opened) {
        received = Buffer.concat([received, chunk]);
        return checkBytes();
      }
      const newline = chunk.indexOf(0x0a);
      if (newline === -1) {
        decoder.push(chunk);
        return;
      }
      const [line] = decoder.push(chunk.subarray(0, newline + 1));
      const frame = line?.kind === 'frame' ? line.value : undefined;
      if (!isObjectFrame(frame) || 'error' in frame) {
        return finish({ ok: false, detail: `tunnel.open refused: ${JSON.stringify(frame)}` });
      }
      opened = true;
      received = chunk.subarray(newline + 1);
      if (expect === undefined)
        return finish({ ok: true, detail: 'tunnel.open answered with a result' });
      if (send !== undefined) socket.write(send);
      checkBytes();
    });
    socket.on('error', (error) => finish({ ok: false, detail: error.message }));
    socket.on('close', () =>
      finish({
        ok: false,
        detail: opened
          ? `the capability closed the tunnel after ${received.length} bytes`
          : 'the control port closed the connection before replying',
      }),
    );
  });
}
