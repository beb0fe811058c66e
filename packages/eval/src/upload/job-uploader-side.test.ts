import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../run-record.js';
import { JobUploader } from './job-uploader.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A stand-in of a hud-ts gateway: records each request's path and JSON body, answers 200 `{}`. */
async function sink(): Promise<{ url: string; requests: { path: string; body: unknown }[] }> {
  const requests: { path: string; body: unknown }[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ path: request.url ?? '', body: JSON.parse(text || 'null') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const run = {
  trace_id: 'ab'.repeat(16),
  job_id: 'cd'.repeat(16),
  status: 'completed',
  reward: 1,
  grade: { score: 1 },
  error: null,
  stop_reason: 'done',
} as unknown as RunRecord;
const progress = {
  total: 1,
  done: 1,
  running: 0,
  errors: 0,
  reward: 1,
  elapsedMs: 0,
  cancelled: false,
};

describe('JobUploader with readSide', () => {
  it("sends a run's logs and events to POST /v2/trace/{id}/logs before its exit report", async () => {
    const gateway = await sink();
    const logs = [
      { time: '2026-01-01T00:00:00.000Z', source: 'environment', stream: 'stdout', line: 'x' },
    ];
    const events = [
      {
        time: '2026-01-01T00:00:00.000Z',
        source: 'runtime',
        phase: 'end',
        level: 'info',
        message: 'm',
      },
    ];
    const uploader = new JobUploader({
      telemetryUrl: `${gateway.url}/v3/api`,
      apiUrl: gateway.url,
      apiKey: 'hud-test-key',
      readSteps: async () => [],
      readSide: async (_trace, _job, kind) => (kind === 'logs' ? logs : events),
    });
    uploader.onEvent({ type: 'run-end', run, progress } as never);
    const summary = await uploader.flush(10_000);
    expect(summary.reportsUnsent).toBe(0);
    const paths = gateway.requests.map((request) => request.path);
    const side = paths.indexOf(`/v2/trace/${run.trace_id}/logs`);
    expect(side).toBeGreaterThanOrEqual(0);
    expect(side).toBeLessThan(paths.indexOf(`/v2/trace/${run.trace_id}/exit`));
    expect(gateway.requests[side]?.body).toEqual({ logs, events });
  });

  it('sends nothing extra without readSide (the HUD platform has no such route)', async () => {
    const gateway = await sink();
    const uploader = new JobUploader({
      telemetryUrl: `${gateway.url}/v3/api`,
      apiUrl: gateway.url,
      apiKey: 'hud-test-key',
      readSteps: async () => [],
    });
    uploader.onEvent({ type: 'run-end', run, progress } as never);
    await uploader.flush(10_000);
    expect(gateway.requests.map((request) => request.path)).toEqual([
      `/v2/trace/${run.trace_id}/exit`,
    ]);
  });
});
