import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail.js';

describe('OutputTail', () => {
  it('joins lines split across chunks and keeps the unfinished one', () => {
    const tail = new OutputTail();
    tail.push('hel');
    tail.push('lo\nwor');
    tail.push('ld\npartial');
    expect(tail.text()).toBe('hello\nworld\npartial');
  });

  it('keeps only the last `limit` lines, oldest first', () => {
    const tail = new OutputTail(3);
    tail.push('1\n2\n3\n4\n');
    expect(tail.text()).toBe('2\n3\n4');
    tail.push('5');
    expect(tail.text()).toBe('3\n4\n5');
    expect(new OutputTail().text()).toBe('');
  });
});
