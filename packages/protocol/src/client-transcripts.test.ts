import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closedPort,
  loadTranscript,
  ScriptedServer,
  type ScriptedServerOptions,
  startEchoServer,
  type Transcript,
  type TranscriptEntry,
} from './__fixtures__/scripted-server.js';
import {
  expectBindings,
  expectManifest,
  expectRoutedBinding,
  replay,
} from './__fixtures__/sdk-calls.js';
import { HudClient } from './client.js';
import type { HudClientOptions } from './client-options.js';
import { connectSocket } from './connect-socket.js';
import { HudError } from './errors.js';
import type { Capability } from './schemas.js';

// Replays the recorded hud-python 0.6.16 SDK client sessions (sdk_*.json): a scripted server plays the
// recorded server side and checks that our client sends the recorded frames byte for byte; our calls'
// results and errors are compared with what the Python SDK returned or raised.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The URL of binding `name` in the recording's first hello, if it has one. */
function recordedUrl(transcript: Transcript, name: string): string | undefined {
  const hello = transcript.transcript.find(
    (entry) => entry.dir === 's2c' && (entry.frame as { result?: unknown })?.result !== undefined,
  );
  const frame = hello?.frame as { result?: { bindings?: { name: string; url: string }[] } };
  return frame.result?.bindings?.find((binding) => binding.name === name)?.url;
}

interface Scenario {
  transcript: Transcript;
  server: ScriptedServer;
  /** Maps a recorded binding URL to the one the scripted server sends instead. */
  rewriteUrl: (url: string) => string;
  echoPort: number;
  /** Connects a HudClient the low-level way (hud-python `HudClient(reader, writer, endpoint=...)`). */
  rawClient: (options?: Omit<HudClientOptions, 'endpoint'>) => Promise<HudClient>;
}

/**
 * Starts the scripted server for `name`, with the `echo` binding pointing at a real local echo server and
 * `dead` at a closed local port (the recordings' echo/dead capabilities).
 */
async function scenario(
  name: string,
  options: Partial<ScriptedServerOptions> = {},
): Promise<Scenario> {
  const transcript = loadTranscript(name);
  const echo = await startEchoServer();
  cleanups.push(echo.close);
  const rewrites: [string, string][] = [];
  const echoUrl = recordedUrl(transcript, 'echo');
  const deadUrl = recordedUrl(transcript, 'dead');
  if (echoUrl !== undefined) rewrites.push([echoUrl, `tcp://127.0.0.1:${echo.port}`]);
  if (deadUrl !== undefined) rewrites.push([deadUrl, `tcp://127.0.0.1:${await closedPort()}`]);
  const server = await ScriptedServer.start({
    transcript,
    rewrites,
    tunnelTargets: { echo: echo.port },
    ...options,
  });
  cleanups.push(() => server.close());
  const rewriteUrl = (url: string) =>
    rewrites.reduce((text, [from, to]) => (text === from ? to : text), url);
  const rawClient = async (clientOptions: Omit<HudClientOptions, 'endpoint'> = {}) => {
    const endpoint = { host: '127.0.0.1', port: server.port };
    const client = HudClient.fromSocket(await connectSocket(endpoint), {
      ...clientOptions,
      endpoint,
    });
    cleanups.push(() => client.close());
    return client;
  };
  return { transcript, server, rewriteUrl, echoPort: echo.port, rawClient };
}

async function connectClient(server: ScriptedServer, options = {}): Promise<HudClient> {
  const client = await HudClient.connect(server.url, { readyTimeoutMs: 5_000, ...options });
  cleanups.push(() => client.close());
  return client;
}

/** Ends the scenario: the scripted server must have played every recorded connection to its end. */
async function finish(server: ScriptedServer): Promise<void> {
  await server.finished();
  expect(server.failures).toEqual([]);
}

/** Sends `payload` to a local port, then half-closes, and returns everything received until EOF. */
/**
 * Replays a parked-task transcript: client a says hello, starts `count` and closes (parking it); client b
 * says hello (with a's session id when `resume`, else a fresh session), grades `grades` times and closes.
 */
async function replayParkedTask(
  name: string,
  options: { resume: boolean; grades: number },
): Promise<void> {
  const { transcript, server, rewriteUrl, rawClient } = await scenario(name);
  const a = await rawClient();
  let b: HudClient | undefined;
  const manifestCheck = (value: unknown, returned: unknown) =>
    expectManifest(value as HudClient['manifest'], returned, rewriteUrl);
  await replay(transcript.sdk_calls, [
    { run: () => a.hello(), check: manifestCheck },
    { run: () => a.startTask('count', { text: 'banana', letter: 'a' }) },
    { run: () => a.close() },
    {
      run: async () => {
        b = await rawClient();
        return b.hello(options.resume ? a.manifest?.sessionId : undefined);
      },
      check: manifestCheck,
    },
    ...Array.from({ length: options.grades }, () => ({ run: () => b?.grade({ answer: '3' }) })),
    { run: () => b?.close() },
  ]);
  await finish(server);
}

function exchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Half-close once the echo came back, as the recording's driver did.
      if (Buffer.concat(chunks).toString() === payload) socket.end();
    });
    socket.on('end', () => {
      socket.end();
      resolve(Buffer.concat(chunks).toString());
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      if (payload === '') socket.end();
      else socket.write(payload);
    });
  });
}

describe('hud-python 0.6.16 SDK transcripts', () => {
  it('sdk_01_hello: connect handshake, manifest, routed binding, second hello, tasks.list, close without bye', async () => {
    const { transcript, server, rewriteUrl } = await scenario('sdk_01_hello');
    let client: HudClient | undefined;
    await replay(transcript.sdk_calls, [
      {
        run: async () => {
          client = await connectClient(server);
          return client.manifest;
        },
        check: (value, returned) =>
          expectManifest(value as HudClient['manifest'], returned, rewriteUrl),
      },
      { run: () => client?.binding('echo'), check: expectRoutedBinding },
      {
        run: () => client?.hello(),
        check: (value, returned) =>
          expectManifest(value as HudClient['manifest'], returned, rewriteUrl),
      },
      { run: () => client?.listTasks() },
    ]);
    await client?.close();
    await finish(server);
    expect(server.received.map((frame) => JSON.parse(frame.wire).method)).toEqual([
      'hello',
      'hello',
      'tasks.list',
    ]);
  });

  it('sdk_02_full_flow: the task lifecycle, its errors, bye, and a call after the server closed', async () => {
    const { transcript, server } = await scenario('sdk_02_full_flow');
    const client = await connectClient(server);
    await replay(transcript.sdk_calls, [
      { run: () => client.listTasks() },
      { run: () => client.startTask('count', { text: 'banana', letter: 'a' }) },
      { run: () => client.grade({ answer: '3' }) },
      { run: () => client.startTask('count', { text: 'banana', letter: 'a' }) },
      { run: () => client.grade({ answer: '4' }) },
      { run: () => client.grade({ answer: '4' }) },
      { run: () => client.startTask('nope') },
      { run: () => client.startTask('count', { text: 'banana' }) },
      { run: () => client.startTask('count', { text: 'banana', letter: 5 }) },
      { run: () => client.grade({ answer: '0' }) },
      { run: () => client.startTask('chat', { topic: 'fruit', turns: 1 }) },
      { run: () => client.grade({ answer: 'apple' }) },
      {
        run: () => client.startTask('add', { a: 2, b: 3 }),
        check: (value, returned) => {
          expect(value).toEqual(returned);
          expect(client.episodeBindings).toEqual((returned as { bindings: unknown }).bindings);
        },
      },
      { run: () => client.cancel() },
      { run: () => client.bye() },
      { run: () => client.listTasks() },
    ]);
    expect(client.signal.aborted).toBe(true);
    await client.close();
    await finish(server);
  });

  it('sdk_13_resume: a second client resumes the parked session with hello(session_id) and grades it', async () => {
    await replayParkedTask('sdk_13_resume', { resume: true, grades: 1 });
  });

  it('sdk_14_adoption: a fresh session grades the single parked task', async () => {
    await replayParkedTask('sdk_14_adoption', { resume: false, grades: 2 });
  });

  it('sdk_17_tunnel_and_bindings: bytes through forwarders over tunnel.open, refusal, binding errors, open()', async () => {
    const { transcript, server } = await scenario('sdk_17_tunnel_and_bindings');
    const client = await connectClient(server);
    await replay(transcript.sdk_calls, [
      {
        run: () => client.binding('echo'),
        check: async (value, returned) => {
          const port = expectRoutedBinding(value, returned);
          // Recorded: the forwarder's tunnel (conn 2) echoed these bytes.
          expect(await exchange(port, 'via sdk forwarder\n')).toBe('via sdk forwarder\n');
        },
      },
      {
        run: () => client.binding('dead'),
        check: async (value, returned) => {
          const port = expectRoutedBinding(value, returned);
          // Recorded: the refused tunnel (conn 3) makes the forwarder drop the local socket with no bytes.
          expect(await exchange(port, '')).toBe('');
        },
      },
      { run: () => client.binding('nope') },
      { run: () => client.binding('tcp-echo') },
      { run: () => client.binding('tcp-echo/1') },
      { run: () => client.open('echo') },
    ]);
    await client.close();
    await finish(server);
    expect(server.received.map((frame) => frame.wire)).toContain(
      '{"jsonrpc":"2.0","id":1,"method":"tunnel.open","params":{"capability":"echo"}}',
    );
  });

  /** The 179 KB chat prompt the recording elided (env.py `chat(topic='x'*40, turns=1200)`). */
  function chatPrompt(): unknown[] {
    const topic = 'x'.repeat(40);
    const messages: unknown[] = [
      { role: 'system', content: 'You are terse. Reply with one word.' },
    ];
    for (let turn = 1; turn <= 1200; turn++) {
      messages.push({ role: 'user', content: `(${turn}/1200) Name one ${topic}.` });
      messages.push({ role: 'assistant', content: { type: 'text', text: 'ok' } });
    }
    messages.push({ role: 'user', content: [{ type: 'text', text: `Final: one ${topic}?` }] });
    return messages;
  }
  const synthesizeChat = (entry: TranscriptEntry) =>
    entry.bytes === 179112
      ? JSON.stringify({ jsonrpc: '2.0', id: 2, result: { prompt: chatPrompt() } })
      : undefined;

  it('sdk_19_client_frame_limit: with a 64 KiB limit a 179 KB reply aborts the connection', async () => {
    const { transcript, server, rewriteUrl, rawClient } = await scenario(
      'sdk_19_client_frame_limit',
      { synthesize: synthesizeChat },
    );
    const client = await rawClient({ maxFrameBytes: 65536 });
    await replay(transcript.sdk_calls, [
      {
        run: () => client.hello(),
        check: (value, returned) =>
          expectManifest(value as HudClient['manifest'], returned, rewriteUrl),
      },
      { run: () => client.startTask('chat', { topic: 'x'.repeat(40), turns: 1200 }) },
      { run: () => client.listTasks() },
    ]);
    await client.close();
    await finish(server);
    // The call after the abort sent nothing.
    expect(server.received).toHaveLength(2);
  });

  it('sdk_19 with the default 64 MiB limit: the same 179 KB reply is read fine', async () => {
    const { server, rawClient } = await scenario('sdk_19_client_frame_limit', {
      synthesize: synthesizeChat,
    });
    const client = await rawClient();
    await client.hello();
    const start = await client.startTask('chat', { topic: 'x'.repeat(40), turns: 1200 });
    expect(start.prompt).toEqual(chatPrompt());
    await client.close();
    await finish(server);
  });

  it('sdk_20_client_vs_scripted_server: unusual bindings, error frame, non-object result, id mismatch, binding without url', async () => {
    const { transcript, server, rawClient } = await scenario('sdk_20_client_vs_scripted_server');
    // The recorded bindings point at 10.0.0.1: they are only rewritten locally, never connected to.
    const client = await rawClient();
    let client2: HudClient | undefined;
    await replay(transcript.sdk_calls, [
      {
        run: () => client.hello(),
        check: (value, returned) => expectManifest(value as HudClient['manifest'], returned),
      },
      {
        run: () => client.manifest?.bindings,
        check: (value, returned) => expectBindings(value as Capability[], returned),
      },
      { run: () => client.binding('x'), check: expectRoutedBinding },
      { run: () => client.binding('s'), check: expectRoutedBinding },
      { run: () => client.listTasks() },
      { run: () => client.startTask('t') },
      { run: () => client.cancel() },
      { run: () => client.listTasks() },
      {
        run: async () => {
          client2 = await rawClient();
          return client2.hello();
        },
      },
    ]);
    expect(client.signal.aborted).toBe(true);
    await client.close();
    await client2?.close();
    await finish(server);
  });

  it('sdk_21_heartbeat: hello {session_id: own} at each interval, queued between the calls', async () => {
    const { transcript, server } = await scenario('sdk_21_heartbeat');
    const client = await connectClient(server, { heartbeatIntervalMs: 100 });
    await replay(transcript.sdk_calls, [
      { run: () => client.startTask('count', { text: 'banana', letter: 'a' }) },
      {
        run: async () => {
          // Recorded: two heartbeats (ids 3, 4) between start and grade. Grade is queued while the second
          // is in flight, so it gets id 5 before the next heartbeat is due.
          await server.waitForFrames(4);
          return client.grade({ answer: '3' });
        },
      },
    ]);
    await server.waitForFrames(6);
    await client.close();
    await finish(server);
    expect(server.received.map((frame) => frame.wire)).toEqual(
      transcript.transcript
        .filter((entry) => entry.dir === 'c2s' && entry.wire !== undefined)
        .map((entry) => entry.wire),
    );
  });

  it('fails loudly when the client sends a frame the recording does not have', async () => {
    const { server } = await scenario('sdk_01_hello');
    const client = await connectClient(server);
    await expect(client.startTask('count')).rejects.toBeInstanceOf(HudError);
    await client.close();
    await server.finished(200);
    expect(server.failures[0]).toContain('frame mismatch');
  });
});
