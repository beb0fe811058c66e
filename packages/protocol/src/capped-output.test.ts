import { describe, expect, it } from 'vitest';
import { CappedOutput } from './capped-output.js';

const captured = (maxBytes: number, ...chunks: string[]): string => {
  const output = new CappedOutput(maxBytes);
  for (const chunk of chunks) output.push(Buffer.from(chunk));
  return output.text();
};

describe('CappedOutput', () => {
  it('keeps everything under the cap, across chunks, with no marker', () => {
    expect(captured(10, 'abc', 'def')).toBe('abcdef');
    expect(captured(Infinity, 'x'.repeat(5000))).toBe('x'.repeat(5000));
  });

  it('keeps the head and counts every byte dropped past the cap', () => {
    expect(captured(4, 'abc', 'def', 'ghi')).toBe('abcd\n…[truncated 5 bytes]');
    expect(captured(0, 'abc')).toBe('\n…[truncated 3 bytes]');
  });

  it('drops a character the cap cuts in two and counts its kept bytes', () => {
    // 'é' is 2 bytes, '€' 3, '😀' 4: a cut inside any of them leaves no replacement character.
    expect(captured(3, 'éé')).toBe('é\n…[truncated 2 bytes]');
    expect(captured(2, '€x')).toBe('\n…[truncated 4 bytes]');
    expect(captured(4, 'a😀x')).toBe('a\n…[truncated 5 bytes]');
    expect(captured(3, 'aé€')).toBe('aé\n…[truncated 3 bytes]');
  });
});
