import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayProcess, runBinToExit, startBin } from './testing/bin-process.js';
import { DIALECTS, freshDataDir, freshPostgresUrl, postgresSkip } from './testing/databases.js';
import { runId, stepSpan } from './testing/spans.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(args: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  const gateway = await startBin(args, env);
  cleanups.push(() => gateway.stop());
  return gateway;
}

async function dataDir(): Promise<string> {
  const { dir, cleanup } = await freshDataDir();
  cleanups.push(cleanup);
  return dir;
}

const get = async (url: string, key?: string) => {
  const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field.
  return { status: response.status, body: (await response.json()) as any };
};

describe('the hud-gateway bin', () => {
  it('prints its URL and, on the first start only, an admin key that works', async () => {
    const dir = await dataDir();
    const first = await started(['--port', '0', '--data-dir', dir]);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const key = /admin API key \(shown once, keep it now\): (hud_\S+)/.exec(first.stdout())?.[1];
    expect(key).toBeDefined();
    expect((await get(`${first.url}/health`)).body).toMatchObject({
      status: 'ok',
      database: 'sqlite',
    });
    expect((await get(`${first.url}/v2/jobs`, key)).status).toBe(200);
    expect((await get(`${first.url}/v2/jobs`)).status).toBe(401);
    expect(await first.stop()).toBe(0);

    const second = await started(['--port', '0', '--data-dir', dir]);
    expect(second.stdout()).not.toContain('admin API key');
    expect((await get(`${second.url}/v2/jobs`, key)).status).toBe(200);
    // Neither the key nor an Authorization header reached the log.
    expect(first.stderr() + second.stderr()).not.toContain(key);
  });

  it('takes HUD_GATEWAY_BOOTSTRAP_KEY without printing a key, and refuses a weak one', async () => {
    const dir = await dataDir();
    const bootstrap = `hud_test_${randomBytes(12).toString('hex')}`;
    const gateway = await started(['--port', '0', '--data-dir', dir], {
      HUD_GATEWAY_BOOTSTRAP_KEY: bootstrap,
    });
    expect(gateway.stdout()).toContain(
      'admin API key: the one in HUD_GATEWAY_BOOTSTRAP_KEY (stored now)',
    );
    expect(gateway.stdout()).not.toContain(bootstrap);
    expect((await get(`${gateway.url}/v2/keys`, bootstrap)).body.items).toEqual([
      expect.objectContaining({ name: 'bootstrap', role: 'admin', team_name: 'default' }),
    ]);
    await gateway.stop();

    const weak = await runBinToExit(['--port', '0', '--data-dir', dir], {
      HUD_GATEWAY_BOOTSTRAP_KEY: 'short',
    });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain(
      'hud-gateway: the bootstrap key cannot be used: it is shorter than 16 characters',
    );
    const badPort = await runBinToExit(['--port', 'eighty']);
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toContain('expected a port number from 0 to 65535');
  });
});

describe.each(DIALECTS)('a SIGKILL during a telemetry stream (%s)', (dialect) => {
  const skip = dialect === 'postgres' ? postgresSkip() : '';
  it.skipIf(skip)(
    'loses no acknowledged span; re-sending the rest completes every trace once',
    async () => {
      const args =
        dialect === 'postgres'
          ? ['--port', '0', '--database-url', await freshPostgresUrl()]
          : ['--port', '0', '--data-dir', await dataDir()];
      const key = `hud_test_${randomBytes(12).toString('hex')}`;
      const env = { HUD_GATEWAY_BOOTSTRAP_KEY: key };
      const traces = Array.from({ length: 4 }, () => runId());
      const batches = traces.flatMap((traceId) =>
        Array.from({ length: 25 }, (_, batch) => ({
          traceId,
          spans: Array.from({ length: 20 }, (__, index) =>
            stepSpan(traceId, {
              step_id: batch * 20 + index + 1,
              source: 'agent',
              content: `step ${index}`,
            }),
          ),
        })),
      );
      const send = (url: string, batch: (typeof batches)[number]) =>
        fetch(`${url}/v3/api/trace/${batch.traceId}/telemetry-upload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ telemetry: batch.spans }),
        });

      const gateway = await started(args, env);
      expect((await get(`${gateway.url}/health`)).body.database).toBe(dialect);
      const acked = new Set<number>();
      let killing: Promise<void> | undefined;
      // One stream per trace (hud-python uploads per task run, several at once); the gateway is killed as
      // soon as 30 batches are acknowledged, with the other streams' requests in flight.
      await Promise.all(
        traces.map(async (traceId) => {
          for (const [index, batch] of batches.entries()) {
            if (batch.traceId !== traceId || killing) continue;
            try {
              const response = await send(gateway.url, batch);
              if (response.ok) acked.add(index);
            } catch {
              // The connection died with the gateway: not acknowledged.
            }
            if (acked.size >= 30 && !killing) killing = gateway.kill();
          }
        }),
      );
      await killing;
      expect(gateway.child.signalCode).toBe('SIGKILL');
      expect(acked.size).toBeGreaterThanOrEqual(30);
      expect(acked.size).toBeLessThan(batches.length);

      const restarted = await started(args, env);
      const stored = async (traceId: string): Promise<string[]> => {
        const ids: string[] = [];
        let cursor = '';
        for (;;) {
          const page = await get(
            `${restarted.url}/v2/trace/${traceId}/spans?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            key,
          );
          if (page.status === 404) return ids;
          ids.push(...page.body.spans.map((span: { span_id: string }) => span.span_id));
          if (!page.body.next_cursor) return ids;
          cursor = page.body.next_cursor;
        }
      };
      const before = new Map<string, Set<string>>();
      for (const traceId of traces) before.set(traceId, new Set(await stored(traceId)));
      for (const index of acked) {
        const batch = batches[index];
        for (const span of batch?.spans ?? []) {
          expect(before.get(batch?.traceId ?? '')?.has(span.span_id as string)).toBe(true);
        }
      }

      // The client re-sends what was not acknowledged; everything ends stored exactly once.
      for (const [index, batch] of batches.entries()) {
        if (acked.has(index)) continue;
        expect((await send(restarted.url, batch)).status).toBe(200);
      }
      for (const traceId of traces) {
        const ids = await stored(traceId);
        expect(ids).toHaveLength(500);
        expect(new Set(ids).size).toBe(500);
        expect((await get(`${restarted.url}/v2/trace/${traceId}`, key)).body.span_count).toBe(500);
      }
    },
  );
});
