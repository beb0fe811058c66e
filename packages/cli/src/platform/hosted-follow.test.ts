import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job } from '@hud/eval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobsCommand } from '../commands/jobs-source.js';
import { EvalReport } from '../eval/report.js';
import { PlatformClient } from './client.js';
import { followHostedJob } from './hosted-eval.js';
import { platformUrls } from './urls.js';

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

/** A gateway stand-in on 127.0.0.1 answering with `handle`; its base URL. */
async function serve(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  server = createServer(handle);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sse = (response: ServerResponse, event: string, data: unknown) =>
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/** An EvalReport writing into `lines` (stdout and stderr alike). */
function collectingReport(lines: string[], onWarn?: (line: string) => void): EvalReport {
  const stream = {
    write: (chunk: string) => {
      lines.push(chunk);
      if (chunk.startsWith('warning: ')) onWarn?.(chunk);
      return true;
    },
  };
  return new EvalReport({ json: false, stdout: stream, stderr: stream });
}

describe('following a hosted job no worker claims', () => {
  it('warns that the job waits for a worker (naming the gateway and hud worker) instead of staying silent', async () => {
    let finish: (() => void) | undefined;
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const queued = { trace_id: 't1', status: 'queued', slug: 'a', group_id: 'g' };
      sse(response, 'snapshot', { job_id: 'j', total: 1, traces: [queued] });
      // The job ends only once the client has said it waits for a worker.
      finish = () => {
        sse(response, 'trace', { ...queued, status: 'completed', reward: 1 });
        sse(response, 'end', { job_id: 'j', counts: { completed: 1 } });
        response.end();
      };
    });
    const lines: string[] = [];
    const report = collectingReport(lines, () => finish?.());
    const client = new PlatformClient({
      urls: platformUrls({ HUD_API_URL: url }),
      apiKey: 'hud_key',
    });
    const { job, detached } = await followHostedJob({
      client,
      apiKey: 'hud_key',
      job: new Job({ id: 'j', name: 'j', group: 1, createdAt: '2026-01-01T00:00:00Z' }),
      total: 1,
      detailed: false,
      report,
      waitNoticeMs: 20,
    });
    expect(detached).toBe(false);
    expect(job.reward).toBe(1);
    const warning = lines.find((line) => line.includes('no worker has claimed'));
    expect(warning).toContain("the job's 1 queued rollout in");
    expect(warning).toContain(`waiting for a hud worker on ${url}`);
    expect(warning).toContain('hud worker');
    expect(warning).not.toContain('hud_key');
  });
});

describe('hud jobs <prefix> --follow', () => {
  it('follows the one job a unique prefix names, as hud jobs <prefix> shows it', async () => {
    const id = 'abcdef0123456789abcdef0123456789';
    const asked: string[] = [];
    const url = await serve((request, response) => {
      const path = request.url ?? '';
      asked.push(path);
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (path === '/v2/jobs/abcdef') return json(404, { error: { message: 'no job abcdef' } });
      if (path.startsWith('/v2/jobs?')) return json(200, [{ id, name: 'count', trace_count: 1 }]);
      if (path === `/v2/jobs/${id}`) return json(200, { id, name: 'count', trace_count: 1 });
      if (path === `/v2/jobs/${id}/stream`) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const done = { trace_id: 't1', status: 'completed', reward: 1, slug: 'a', group_id: 'g' };
        sse(response, 'snapshot', { job_id: id, total: 1, traces: [done] });
        sse(response, 'end', { job_id: id, counts: { completed: 1 } });
        return response.end();
      }
      json(404, { error: { message: `no route ${path}` } });
    });
    vi.stubEnv('HUD_API_URL', url);
    vi.stubEnv('HUD_API_KEY', 'hud_key');
    const writes = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await jobsCommand('abcdef', { follow: true });
    } finally {
      writes.mockRestore();
      errors.mockRestore();
    }
    expect(asked).toContain(`/v2/jobs/${id}/stream`);
    expect(process.exitCode ?? 0).toBe(0);
  });
});
