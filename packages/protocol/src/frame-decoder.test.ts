import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HudError } from './errors.js';
import { FrameDecoder, MAX_FRAME_BYTES_LIMIT } from './frame-decoder.js';

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

  it('refuses an endless line at the first chunk past the limit, never holding more than the limit', () => {
    const limit = 1024 * 1024;
    const chunkBytes = 64 * 1024;
    const decoder = new FrameDecoder({ maxFrameBytes: limit });
    let refusedAt: number | undefined;
    let error: unknown;
    let mostRetained = 0;
    // Ten times the limit, fresh chunks as a socket delivers them, never a newline.
    for (let index = 0; index < (10 * limit) / chunkBytes; index++) {
      try {
        decoder.push(Buffer.alloc(chunkBytes, index === 0 ? 0x22 : 0x61));
      } catch (thrown) {
        refusedAt = index;
        error = thrown;
        break;
      }
      mostRetained = Math.max(mostRetained, decoder.retainedBytes);
      expect(decoder.bufferedBytes).toBe((index + 1) * chunkBytes);
    }
    // 16 chunks are exactly the limit; the 17th (index 16) passes it.
    expect(refusedAt).toBe(limit / chunkBytes);
    expect(HudError.isInstance(error) && error.code).toBe('frame_too_large');
    expect((error as Error).message).toBe(
      `frame exceeds the limit of ${limit} bytes (at least ${limit + chunkBytes} bytes before the newline)`,
    );
    expect(mostRetained).toBeLessThanOrEqual(limit);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.retainedBytes).toBe(0);
  });

  it('copies what it keeps of a partial line: the caller may reuse its read buffer', () => {
    const decoder = new FrameDecoder();
    const readBuffer = Buffer.from('{"text":"first half');
    expect(decoder.push(readBuffer)).toEqual([]);
    readBuffer.write('XXXXXXXXXXXXXXXXXXX'); // the next read lands in the same buffer
    const [frame] = decoder.push(Buffer.from(', second half"}\n'));
    expect(frame).toMatchObject({ kind: 'frame', value: { text: 'first half, second half' } });
    expect(decoder.retainedBytes).toBe(0);
  });

  it('hands the pages of a refused line back to the OS at once, without waiting for a GC', () => {
    const MiB = 1024 * 1024;
    const decoder = new FrameDecoder({ maxFrameBytes: 64 * MiB });
    // One reused read buffer: the test itself allocates nothing per chunk.
    const readBuffer = Buffer.alloc(MiB, 0x61);
    const before = process.memoryUsage.rss();
    for (let sent = 0; sent < 64 * MiB; sent += MiB) decoder.push(readBuffer);
    const holding = process.memoryUsage.rss();
    // The decoder really holds the 64 MiB (copied, resident)...
    expect(holding - before).toBeGreaterThan(48 * MiB);
    expect(() => decoder.push(readBuffer)).toThrow(/exceeds the limit/);
    // ...and the refusal returns them: RSS falls right away.
    expect(holding - process.memoryUsage.rss()).toBeGreaterThan(48 * MiB);
  });

  it('gives the store of a completed long line back too', () => {
    const decoder = new FrameDecoder();
    const bytes = line({ payload: 'x'.repeat(300_000) });
    for (let offset = 0; offset < bytes.length; offset += 65536) {
      decoder.push(bytes.subarray(offset, offset + 65536));
    }
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.retainedBytes).toBe(0);
  });

  it('refuses a maxFrameBytes it cannot honour, naming it', () => {
    for (const bad of [-1, 1.5, Number.NaN, MAX_FRAME_BYTES_LIMIT + 1]) {
      expect(() => new FrameDecoder({ maxFrameBytes: bad })).toThrow(/maxFrameBytes must be/);
    }
    expect(new FrameDecoder({ maxFrameBytes: 0 }).push(Buffer.from('\n'))).toHaveLength(1);
  });
});
