import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Environment, FileTracker, FileTrackingServer, serve } from '@hud/environment';
import { type HudSpan, JobUploader, Taskset } from '@hud/eval';
import type { Agent, HudLogger, Provider } from '@hud/protocol';
import { WireClient, withDeadline } from '@hud/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { serveEnv } from './support/served-env.js';

// File tracking (`filetracking/1`, spec §3.7) end to end: a workspace served by the real server, a real
// rollout whose observer records the tracker's spans, uploaded to a stand-in of the telemetry route; and
// `hud serve` honouring HUD_FILE_TRACKING_ENABLED.

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hud-ft-e2e-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A stand-in of the platform: records the spans uploaded per trace, answers everything 200. */
async function telemetrySink(): Promise<{ url: string; spans: HudSpan[] }> {
  const spans: HudSpan[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.url?.endsWith('/telemetry-upload')) {
        spans.push(...(JSON.parse(body) as { telemetry: HudSpan[] }).telemetry);
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, spans };
}

function providerFor(url: string): Provider {
  return async () => ({ url, [Symbol.asyncDispose]: async () => {} });
}

function collectingLogger(): HudLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, warn: (message) => void warnings.push(message) };
}

const payloadOf = (span: HudSpan) => span.attributes['hud.payload'] as Record<string, unknown>;
const pathsOf = (span: HudSpan) =>
  (payloadOf(span).patches as { path: string }[]).map((patch) => patch.path);

describe('the file-tracking observer in a rollout', () => {
  it('uploads setup, snapshot, diff and capture spans of a real workspace', async () => {
    const dir = await tempDir();
    const env = new Environment({ name: 'ft' });
    env.workspace(dir);
    env.template({ id: 'edit' }, async function* () {
      await writeFile(path.join(dir, 'setup.txt'), 'from the task setup\n');
      yield 'edit the files';
      return 1;
    });
    const server = await serve(env);
    cleanups.push(() => server.close());
    const sink = await telemetrySink();
    const uploader = new JobUploader({
      telemetryUrl: `${sink.url}/v3/api`,
      apiUrl: sink.url,
      apiKey: 'hud-test-key',
      readSteps: async () => [],
    });
    const seen: HudSpan[] = [];
    // Edits during the loop: the first shows up in a polled diff (waited for, not slept on), the last ones
    // only in the final flush.
    const agent: Agent = {
      name: 'editor',
      async run() {
        await writeFile(path.join(dir, 'first.txt'), 'one\n');
        await withDeadline(
          new Promise<void>((resolve) => {
            const check = () =>
              seen.some((s) => s.name === 'filetracking.diff' && pathsOf(s).includes('first.txt'))
                ? resolve()
                : setTimeout(check, 20);
            check();
          }),
          'a polled diff with first.txt',
          20_000,
        );
        await writeFile(path.join(dir, 'first.txt'), 'one\ntwo\n');
        await writeFile(path.join(dir, 'chart.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        return { answer: 'done' };
      },
    };
    const taskset = new Taskset('ft', [{ env: 'ft', id: 'edit', args: {}, slug: 'edit' }]);
    const job = await taskset.run({
      agent,
      provider: providerFor(server.url),
      onEvent: uploader.onEvent,
      fileTracking: {
        intervalMs: 50,
        onSpan: (traceId, span) => {
          seen.push(span);
          uploader.onSpan(traceId, span);
        },
      },
    });
    const summary = await uploader.flush(20_000);
    expect(summary.spansUnsent).toBe(0);
    const run = job.runs[0];
    expect(run?.error).toBeNull();
    expect(run?.reward).toBe(1);

    const traceId = run?.trace_id as string;
    const uploaded = sink.spans.filter((span) => span.name.startsWith('filetracking.'));
    expect(uploaded.map((span) => span.span_id).sort()).toEqual(
      seen.map((span) => span.span_id).sort(),
    );
    for (const span of uploaded) {
      expect(span.attributes).toMatchObject({
        'hud.schema': 'hud.filetracking.v1',
        'hud.task_run_id': traceId,
      });
      expect(span.trace_id).toBe(traceId);
      expect(span.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    const named = (name: string) => uploaded.filter((span) => span.name === name);
    expect(named('filetracking.setup')).toHaveLength(1);
    expect(pathsOf(named('filetracking.setup')[0] as HudSpan)).toEqual(['setup.txt']);
    expect(payloadOf(named('filetracking.snapshot')[0] as HudSpan).files).toEqual([
      expect.objectContaining({ path: 'setup.txt' }),
    ]);
    const diffs = named('filetracking.diff');
    expect(pathsOf(diffs[0] as HudSpan)).toEqual(['first.txt']);
    const last = payloadOf(diffs.at(-1) as HudSpan).patches as { path: string; patch: string }[];
    expect(last.find((patch) => patch.path === 'first.txt')?.patch).toBe(
      '--- a/first.txt\n+++ b/first.txt\n@@ -1 +1,2 @@\n one\n+two',
    );
    expect(named('filetracking.capture').map((span) => payloadOf(span).files_captured)).toEqual([
      1,
    ]);
  });

  it('advances instead of reporting setup when the binding has no params.setup_diff', async () => {
    const dir = await tempDir();
    const tracker = new FileTracker(dir);
    await tracker.takeBaseline();
    const daemon = await FileTrackingServer.listen(tracker);
    cleanups.push(() => daemon.close());
    const env = new Environment({
      name: 'legacy',
      capabilities: [{ name: 'filetracking', protocol: 'filetracking/1', url: daemon.url }],
    });
    env.template({ id: 'touch' }, async function* () {
      await writeFile(path.join(dir, 'setup.txt'), 'setup\n');
      yield 'go';
      return 1;
    });
    const server = await serve(env);
    cleanups.push(() => server.close());
    const spans: HudSpan[] = [];
    const taskset = new Taskset('legacy', [
      { env: 'legacy', id: 'touch', args: {}, slug: 'touch' },
    ]);
    const job = await taskset.run({
      agent: {
        name: 'writer',
        run: async () => {
          await writeFile(path.join(dir, 'agent.txt'), 'mine\n');
          return { answer: 'x' };
        },
      },
      provider: providerFor(server.url),
      fileTracking: { intervalMs: 60_000, onSpan: (_trace, span) => spans.push(span) },
    });
    expect(job.runs[0]).toMatchObject({ error: null, reward: 1 });
    // No setup span; the setup's file is in the anchor, and only the agent's edit is a diff.
    expect(spans.map((span) => span.name)).toEqual(['filetracking.snapshot', 'filetracking.diff']);
    expect(payloadOf(spans[0] as HudSpan).files).toEqual([
      expect.objectContaining({ path: 'setup.txt' }),
    ]);
    expect(pathsOf(spans[1] as HudSpan)).toEqual(['agent.txt']);
  });

  it('a tracker that never answers costs a warning, not the run', async () => {
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => void accepted.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of accepted) socket.destroy();
      return new Promise((resolve) => silent.close(resolve));
    });
    const env = new Environment({
      name: 'hang',
      capabilities: [
        {
          name: 'filetracking',
          protocol: 'filetracking/1',
          url: `tcp://127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
          params: { setup_diff: true },
        },
      ],
    });
    env.template({ id: 'noop' }, async function* () {
      yield 'answer';
      return 1;
    });
    const server = await serve(env);
    cleanups.push(() => server.close());
    const logger = collectingLogger();
    const spans: HudSpan[] = [];
    const taskset = new Taskset('hang', [{ env: 'hang', id: 'noop', args: {}, slug: 'noop' }]);
    const job = await taskset.run({
      agent: { name: 'fixed', run: async () => ({ answer: 'x' }) },
      provider: providerFor(server.url),
      logger,
      fileTracking: { callTimeoutMs: 200, onSpan: (_trace, span) => spans.push(span) },
    });
    expect(job.runs[0]).toMatchObject({ error: null, reward: 1 });
    expect(spans).toEqual([]);
    expect(logger.warnings).toEqual([
      'file tracking failed; not tracking this rollout: no answer within 200 ms',
    ]);
  });
});

describe('hud serve and HUD_FILE_TRACKING_ENABLED', () => {
  async function bindingsServed(value: string | undefined): Promise<string[]> {
    const dir = await tempDir();
    const file = path.join(dir, 'env.ts');
    await writeFile(
      file,
      "import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: 'ft-cli' });\nenv.workspace();\n",
    );
    const saved = process.env.HUD_FILE_TRACKING_ENABLED;
    if (value === undefined) delete process.env.HUD_FILE_TRACKING_ENABLED;
    else process.env.HUD_FILE_TRACKING_ENABLED = value;
    let served: Awaited<ReturnType<typeof serveEnv>>;
    try {
      served = await serveEnv(file);
    } finally {
      if (saved === undefined) delete process.env.HUD_FILE_TRACKING_ENABLED;
      else process.env.HUD_FILE_TRACKING_ENABLED = saved;
    }
    cleanups.push(() => served.stop());
    const socket = await WireClient.connect(served.port);
    cleanups.push(() => socket.socket.destroy());
    const hello = await socket.request('hello', {});
    return (hello.result as { bindings: { protocol: string }[] }).bindings.map((b) => b.protocol);
  }

  it('publishes filetracking/1 by default and none with HUD_FILE_TRACKING_ENABLED=false', async () => {
    expect(await bindingsServed(undefined)).toEqual(['ssh/2', 'filetracking/1']);
    expect(await bindingsServed('false')).toEqual(['ssh/2']);
  });
});
