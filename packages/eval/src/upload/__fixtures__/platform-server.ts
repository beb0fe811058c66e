// Test helper: a stand-in for the platform's telemetry and lifecycle routes on 127.0.0.1, recording what
// arrives and answering as each test scripts it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as received. */
export interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** What to do with a request: an answer status, or `hold` (answer when `release()` is called). */
export type Decide = (request: Received, index: number) => number | 'hold' | 'hang';

/** A running stand-in. */
export interface PlatformServer extends AsyncDisposable {
  url: string;
  /** Every request, in arrival order (held ones included). */
  received: Received[];
  /** Requests answered 2xx, in answer order. */
  acknowledged: Received[];
  /** Answers every held request with 200. */
  release(): void;
  /** Requests waiting to be answered. */
  held(): number;
  close(): Promise<void>;
}

/** Starts a stand-in; `decide` picks each answer (default 200). */
export async function startPlatformServer(
  decide: Decide = () => 200,
): Promise<PlatformServer> {
  const received: Received[] = [];
  const acknowledged: Received[] = [];
  const holding: { request: Received; response: ServerResponse }[] = [];
  const answer = (request: Received, response: ServerResponse, status: number) => {
    if (status < 300) acknowledged.push(request);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(
        status < 300 ? { ok: true } : { error: { code: 'x', message: `scripted ${status}` } },
      ),
    );
  };
  const server = createServer((message: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => {
      const request: Received = {
        method: message.method ?? '',
        path: message.url ?? '',
        authorization: message.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      };
      const index = received.push(request) - 1;
      const decision = decide(request, index);
      if (decision === 'hang') return;
      if (decision === 'hold') holding.push({ request, response });
      else answer(request, response, decision);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    acknowledged,
    release() {
      for (const { request, response } of holding.splice(0)) answer(request, response, 200);
    },
    held: () => holding.length,
    close,
    [Symbol.asyncDispose]: close,
  };
}
