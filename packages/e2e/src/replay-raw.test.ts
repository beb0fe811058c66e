import { rawTranscripts } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAW_DEVIATIONS } from './deviations.js';
import { replayRaw } from './support/replay.js';
import { type ServedEnv, serveEnv } from './support/served-env.js';

/**
 * Replays every recorded raw_* transcript of hud-python 0.6.16 against our server, run as a real
 * `hud serve examples/conformance/env.ts` child process (a fresh one per scenario, as recorded).
 * Session ids and ports may differ; everything else must match, except the deviations listed (with
 * their reasons) in deviations.ts.
 */
const transcripts = rawTranscripts();

describe('raw transcripts replay against hud serve', () => {
  it('covers every raw transcript of the recording', () => {
    expect(transcripts.map(({ file }) => file)).toHaveLength(20);
  });

  for (const { file, transcript } of transcripts) {
    describe(file, () => {
      let served: ServedEnv;
      // raw_19 shows Python's 64 KiB frame limit: replay it with the same limit (ours defaults to 64 MiB).
      const args =
        transcript.scenario === 'raw_19_frame_size' ? ['--max-frame-bytes', '65536'] : [];
      beforeAll(async () => {
        served = await serveEnv(undefined, args);
      });
      afterAll(async () => {
        await served?.stop();
      });

      it('answers exactly as recorded', async () => {
        const result = await replayRaw(transcript, served.port, RAW_DEVIATIONS);
        expect(result.compared).toBeGreaterThan(0);
        const expected = RAW_DEVIATIONS.filter(
          (deviation) => deviation.scenario === transcript.scenario,
        );
        // Every listed deviation must still happen: the list cannot go stale.
        expect(new Set(result.usedDeviations)).toEqual(new Set(expected));
      });

      it('prints only the port line on stdout and exits 0 on SIGTERM', async () => {
        const code = await served.stop();
        expect(code).toBe(transcript.server.exit_code_after_SIGTERM);
        expect(served.stdout.filter((line) => line !== '')).toEqual([
          `HUD_SERVE_PORT=${served.port}`,
        ]);
      });
    });
  }
});
