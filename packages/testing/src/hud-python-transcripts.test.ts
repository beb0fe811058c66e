import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as recorded from './hud-python-transcripts.js';

describe('the recorded hud-python 0.6.16 transcripts', () => {
  it('are one directory with env.py, its README and the 20 raw transcripts', () => {
    expect(existsSync(`${recorded.HUD_PYTHON_TRANSCRIPTS}env.py`)).toBe(true);
    expect(existsSync(`${recorded.HUD_PYTHON_TRANSCRIPTS}README.md`)).toBe(true);
    const transcripts = recorded.rawTranscripts();
    expect(transcripts).toHaveLength(20);
    for (const { file, transcript } of transcripts) {
      expect(file).toMatch(/^raw_\d\d_\w+\.json$/);
      expect(transcript.driver).toBe('raw');
      expect(transcript.transcript.length).toBeGreaterThan(0);
    }
  });

  it('give the recorded wire lines of one direction of a connection', () => {
    const [hello] = recorded.recordedLines('raw_01_hello.json', 'c2s');
    expect(JSON.parse(hello as string)).toMatchObject({ jsonrpc: '2.0', method: 'hello' });
    const [reply] = recorded.recordedLines('raw_01_hello.json', 's2c');
    expect(JSON.parse(reply as string)).toMatchObject({ jsonrpc: '2.0', result: {} });
    expect(recorded.recordedLines('raw_01_hello.json', 'c2s', 99)).toEqual([]);
    expect(() => recorded.recordedLines('raw_99_missing.json', 'c2s')).toThrow(/ENOENT/);
  });

  it('rebuild every client write at its recorded size, elided frames included', () => {
    let elided = 0;
    for (const { transcript } of recorded.rawTranscripts()) {
      for (const entry of transcript.transcript.filter((item) => item.dir === 'c2s')) {
        if (entry.event !== undefined && entry.frame === undefined) continue;
        const bytes = recorded.clientBytes(entry);
        if (entry.bytes !== undefined) expect(bytes.length).toBe(entry.bytes);
        if (entry.wire === undefined && entry.bytes !== undefined && !entry.raw) elided++;
      }
    }
    expect(elided).toBeGreaterThan(0);
    expect(() =>
      recorded.clientBytes({ dir: 'c2s', conn: 1, frame: { a: 'x' }, bytes: 3 }),
    ).toThrow('cannot rebuild elided frame: 10 bytes, recorded 3');
  });

  it('normalise ports except the recorded dead port 1', () => {
    expect(recorded.normalizePorts('tcp://127.0.0.1:40123 and tcp://127.0.0.1:1')).toBe(
      'tcp://127.0.0.1:PORT and tcp://127.0.0.1:1',
    );
  });
});
