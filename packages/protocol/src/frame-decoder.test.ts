import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HudError } from './errors.js';
import { FrameDecoder } from './frame-decoder.js';

const line = (value: unknown) => Buffer.from(`${JSON.stringify(value)}\n`);

describe('FrameDecoder', () => {
  it('yields every complete line of a chunk, in order', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(Buffer.concat([line({ id: 1 }), line({ id: 2 }), line([3])]));
    expect(frames.map((frame) => frame.kind === 'frame' && frame.value)).toEqual([
      { id: 1 },
      { id: 2 },
      [3],
    ]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('reassembles a frame split at every possible byte boundary, UTF-8 sequences included', () => {
    const bytes = line({ text: 'h\u00e9llo \u2603 😀', n: 42 });
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new FrameDecoder();
      expect(decoder.push(bytes.subarray(0, cut))).toEqual([]);
      const [frame] = decoder.push(bytes.subarray(cut));
      expect(frame).toEqual({
        kind: 'frame',
        value: { text: 'h\u00e9llo \u2603 😀', n: 42 },
        bytes: bytes.length - 1,
      });
    }
  });

  it('decodes a 16 MiB frame arriving in 64 KiB chunks', () => {
    const payload = randomBytes(12 * 1024 * 1024).toString('base64');
    const bytes = line({ payload });
    const decoder = new FrameDecoder();
    const frames = [];
    for (let offset = 0; offset < bytes.length; offset += 65536) {
      frames.push(...decoder.push(bytes.subarray(offset, offset + 65536)));
    }
    expect(frames).toHaveLength(1);
    expect((frames[0] as { value: { payload: string } }).value.payload).toBe(payload);
  });

  it('accepts a line of exactly maxFrameBytes and refuses one byte more, before its newline arrives', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 16 });
    const exact = `"${'a'.repeat(14)}"\n`;
    expect(decoder.push(Buffer.from(exact))).toHaveLength(1);
    const tooLong = new FrameDecoder({ maxFrameBytes: 16 });
    let thrown: unknown;
    try {
      tooLong.push(Buffer.from(`"${'a'.repeat(16)}`));
    } catch (error) {
      thrown = error;
    }
    expect(HudError.isInstance(thrown) && thrown.code).toBe('frame_too_large');
    expect((thrown as Error).message).toMatch(/limit of 16 bytes/);
  });

  it('reports an unparseable line and goes on with the next one', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(Buffer.from('{oops\n{"ok":true}\n'));
    expect(frames[0]?.kind).toBe('invalid');
    expect(frames[0]?.kind === 'invalid' && frames[0].error.message).toMatch(
      /not valid JSON.*\{oops/,
    );
    expect(frames[1]).toEqual({ kind: 'frame', value: { ok: true }, bytes: 11 });
  });

  it('hands over the bytes after the last line', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('{"a":1}\nraw bytes'));
    expect(decoder.takeRemainder().toString()).toBe('raw bytes');
    expect(decoder.bufferedBytes).toBe(0);
  });
});
