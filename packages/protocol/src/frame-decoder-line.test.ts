import { describe, expect, it } from 'vitest';
import { HudError } from './errors.js';
import { FrameDecoder } from './frame-decoder.js';
import { asciiEscape } from './python-json.js';

/** Feeds `bytes` to pushLine one line (or line end) at a time, as the server does. */
function byLines(decoder: FrameDecoder, bytes: Uint8Array): unknown[] {
  const frames: unknown[] = [];
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline + 1;
    const frame = decoder.pushLine(bytes, start, end);
    if (frame) frames.push(frame);
    start = end;
  }
  return frames;
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('FrameDecoder.pushLine', () => {
  const text = '{"id":1,"t":"h\u00e9llo \u2603 😀"}\n[2]\nnot json\n\n{"id":3}\n';

  it('yields the same frames as push(), split anywhere, from Buffers and plain Uint8Arrays', () => {
    const bytes = Buffer.from(text);
    const expected = new FrameDecoder().push(bytes);
    expect(expected).toHaveLength(5);
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (const wrap of [(b: Buffer) => b, (b: Buffer) => new Uint8Array(b)]) {
        const decoder = new FrameDecoder();
        const frames = [
          ...byLines(decoder, wrap(bytes.subarray(0, cut))),
          ...byLines(decoder, wrap(bytes.subarray(cut))),
        ];
        expect(frames).toEqual(expected);
        expect(decoder.bufferedBytes).toBe(0);
        expect(decoder.retainedBytes).toBe(0);
      }
    }
  });

  it('reads a line inside a larger chunk without touching the bytes around it', () => {
    const chunk = Buffer.from('xx{"a":1}\nyy');
    const decoder = new FrameDecoder();
    expect(decoder.pushLine(chunk, 2, 10)).toEqual({ kind: 'frame', value: { a: 1 }, bytes: 7 });
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.pushLine(chunk, 10, 12)).toBeUndefined();
    expect(decoder.bufferedBytes).toBe(2);
  });

  it('names an unparseable line with a preview, as push() does', () => {
    const long = `{"x":"${'a'.repeat(300)}`;
    for (const line of ['not json', long]) {
      const bytes = Buffer.from(`zz${line}\n`);
      const viaPush = new FrameDecoder().push(bytes.subarray(2));
      const viaLine = new FrameDecoder().pushLine(bytes, 2, bytes.length);
      expect(viaLine).toEqual(viaPush[0]);
      expect(viaLine?.kind === 'invalid' && viaLine.error.message).toMatch(
        /^frame is not valid JSON \(.*\): "/,
      );
    }
  });

  it('refuses a line over the limit, complete or not, and keeps nothing of it', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 8 });
    const error = thrownBy(() => decoder.pushLine(Buffer.from('"1234567890"\n')));
    expect(HudError.isInstance(error) && error.code).toBe('frame_too_large');
    const partial = new FrameDecoder({ maxFrameBytes: 8 });
    expect(partial.pushLine(Buffer.from('"12345'))).toBeUndefined();
    const later = thrownBy(() => partial.pushLine(Buffer.from('67890')));
    expect((later as Error).message).toBe(
      'frame exceeds the limit of 8 bytes (at least 11 bytes before the newline)',
    );
    expect([partial.bufferedBytes, partial.retainedBytes]).toEqual([0, 0]);
    expect(partial.pushLine(Buffer.from('"ok"\n'))).toEqual({
      kind: 'frame',
      value: 'ok',
      bytes: 4,
    });
  });
});

describe('asciiEscape', () => {
  /** The definition: every UTF-16 code unit from DEL up, as a lowercase \uXXXX escape. */
  const reference = (text: string) =>
    text.replace(
      /[\u007f-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );

  it('escapes exactly the code units from DEL up, lone surrogates included', () => {
    const samples = [
      '',
      'plain ~ text',
      '\u007f',
      'a\u007fb',
      '\u0080',
      '\u00ff',
      'h\u00e9llo',
      '\u2603',
      '😀',
      '\ud800',
      'x\udfffy',
      '\uffff',
      `${'a'.repeat(1000)}\u007f`,
      `${'a'.repeat(1000)}\u00e9`,
    ];
    for (const sample of samples) {
      const json = JSON.stringify(sample);
      expect(asciiEscape(json)).toBe(reference(json));
    }
  });
});
