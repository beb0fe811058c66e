import { JobStore } from '@hud/eval';
import { describe, expect, it } from 'vitest';
import { startEvalUpload, telemetryEnabled, uploadWarning } from './telemetry-upload.js';

const store = new JobStore('/nonexistent/hud-jobs');
const start = (settings: Record<string, string | undefined>) => {
  const said: string[] = [];
  const warned: string[] = [];
  const upload = startEvalUpload({
    settings,
    store,
    model: null,
    say: (line) => said.push(line),
    warn: (line) => warned.push(line),
  });
  return { upload, said, warned };
};

describe('startEvalUpload', () => {
  it('uploads only with HUD_API_KEY and telemetry not disabled (HUD_TELEMETRY_ENABLED, default on)', () => {
    expect(start({}).upload).toBeUndefined();
    expect(start({ HUD_API_KEY: '  ' }).upload).toBeUndefined();
    expect(start({ HUD_API_KEY: 'k', HUD_TELEMETRY_ENABLED: 'false' }).upload).toBeUndefined();
    expect(start({ HUD_API_KEY: 'k', HUD_TELEMETRY_ENABLED: '0' }).upload).toBeUndefined();
    expect(start({ HUD_API_KEY: 'k' }).upload).toBeDefined();
    expect(telemetryEnabled({ HUD_TELEMETRY_ENABLED: 'TRUE' })).toBe(true);
    expect(telemetryEnabled({ HUD_TELEMETRY_ENABLED: 'Off' })).toBe(false);
  });

  it('turns on file tracking with the upload, polled every HUD_FILE_TRACKING_INTERVAL seconds', () => {
    expect(start({ HUD_API_KEY: 'k' }).upload?.fileTracking.intervalMs).toBe(2_000);
    expect(
      start({ HUD_API_KEY: 'k', HUD_FILE_TRACKING_INTERVAL: '0.5' }).upload?.fileTracking
        .intervalMs,
    ).toBe(500);
    const bad = start({ HUD_API_KEY: 'k', HUD_FILE_TRACKING_INTERVAL: 'soon' });
    expect(bad.upload?.fileTracking.intervalMs).toBe(2_000);
    expect(bad.warned).toEqual([
      "HUD_FILE_TRACKING_INTERVAL must be a positive number of seconds, got 'soon': using 2",
    ]);
  });

  it('turns a malformed URL setting into one warning and no upload', () => {
    const { upload, warned } = start({ HUD_API_KEY: 'k', HUD_API_URL: 'not a url' });
    expect(upload).toBeUndefined();
    expect(warned).toEqual(["no upload to the platform: HUD_API_URL is not a URL: 'not a url'"]);
  });

  it('prints the job URL under HUD_WEB_URL, derived from HUD_API_URL', async () => {
    const { upload, said } = start({ HUD_API_KEY: 'k', HUD_API_URL: 'http://127.0.0.1:9/' });
    const job = { id: 'ab'.repeat(16), name: 'j', group: 1, tasksetId: undefined };
    upload?.onEvent({ type: 'job-start', job, progress: {} } as never);
    expect(said).toEqual([`job: http://127.0.0.1:9/jobs/${job.id}`]);
    // Nothing listens on port 9: the flush gives up within its bound.
    const summary = await upload?.finish(200);
    expect(summary?.reportsUnsent).toBe(1);
  });
});

describe('uploadWarning', () => {
  it('is silent when everything went and one line naming the counts and the reason otherwise', () => {
    const all = { spansSent: 4, reportsSent: 2, spansUnsent: 0, reportsUnsent: 0, failures: 0 };
    expect(uploadWarning({ ...all, failure: undefined }, '/s')).toBeUndefined();
    expect(
      uploadWarning(
        { ...all, spansUnsent: 3, reportsUnsent: 1, failures: 1, failure: 'POST x failed' },
        '/s',
      ),
    ).toBe(
      'the upload to the platform is incomplete (3 of 7 spans and 1 of 3 lifecycle reports not sent): POST x failed; the local job store has the whole job (/s)',
    );
  });
});
