import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ask } from './prompt.js';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  return { input, output, terminal: true };
}

describe('ask', () => {
  it('answers the typed line, trimmed', async () => {
    const io = terminal();
    const answer = ask('name? ', io);
    io.input.write('  yes \r');
    await expect(answer).resolves.toBe('yes');
  });

  it('rejects with "interrupted" on Ctrl-C at the prompt instead of waiting forever', async () => {
    const io = terminal();
    const answer = ask('cancel job? ', io);
    io.input.write('\x03');
    await expect(answer).rejects.toThrow('interrupted');
  });
});
