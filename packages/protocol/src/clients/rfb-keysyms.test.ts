import { describe, expect, it } from 'vitest';
import { thrownHudError } from '../__fixtures__/thrown.js';
import { characterKeysym, keysymOf, splitChord } from './rfb-keysyms.js';

// Expected values from X11 keysymdef.h.
describe('keysymOf', () => {
  it.each([
    ['Return', 0xff0d],
    ['Escape', 0xff1b],
    ['BackSpace', 0xff08],
    ['Tab', 0xff09],
    ['Delete', 0xffff],
    ['Page_Up', 0xff55],
    ['Prior', 0xff55],
    ['Page_Down', 0xff56],
    ['KP_Enter', 0xff8d],
    ['Shift_L', 0xffe1],
    ['Control_R', 0xffe4],
    ['Super_L', 0xffeb],
    ['F1', 0xffbe],
    ['F12', 0xffc9],
    ['F35', 0xffe0],
    ['space', 0x20],
    ['minus', 0x2d],
    ['XF86Back', 0x1008ff26],
  ])('names %s as keysym %i', (name, keysym) => {
    expect(keysymOf(name)).toBe(keysym);
  });

  it.each([
    ['enter', 0xff0d],
    ['ENTER', 0xff0d],
    ['return', 0xff0d],
    ['esc', 0xff1b],
    ['ctrl', 0xffe3],
    ['CTRL', 0xffe3],
    ['control', 0xffe3],
    ['alt', 0xffe9],
    ['shift', 0xffe1],
    ['cmd', 0xffeb],
    ['meta', 0xffe7],
    ['ArrowLeft', 0xff51],
    ['ARROWDOWN', 0xff54],
    ['PageDown', 0xff56],
    ['backspace', 0xff08],
    ['f5', 0xffc2],
    ['0xff0d', 0xff0d],
  ])('accepts the model spelling %s', (name, keysym) => {
    expect(keysymOf(name)).toBe(keysym);
  });

  it('keeps single characters case-sensitive', () => {
    expect(keysymOf('a')).toBe(0x61);
    expect(keysymOf('A')).toBe(0x41);
    expect(keysymOf('+')).toBe(0x2b);
  });

  it('rejects unknown names with a hint', () => {
    const error = thrownHudError(() => keysymOf('Hyperdrive'));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('"Hyperdrive"');
    expect(thrownHudError(() => keysymOf('F36')).code).toBe('invalid_argument');
  });
});

describe('characterKeysym', () => {
  it('maps Latin-1 characters to themselves and others to Unicode keysyms', () => {
    expect(characterKeysym('~')).toBe(0x7e);
    expect(characterKeysym('é')).toBe(0xe9);
    expect(characterKeysym('й')).toBe(0x01000439);
    expect(characterKeysym('😀')).toBe(0x0101f600);
  });

  it('maps newline, carriage return and tab to Return and Tab (hud-python type_text)', () => {
    expect(characterKeysym('\n')).toBe(0xff0d);
    expect(characterKeysym('\r')).toBe(0xff0d);
    expect(characterKeysym('\t')).toBe(0xff09);
  });

  it('refuses other control characters', () => {
    expect(thrownHudError(() => characterKeysym('\u0007')).message).toContain('U+0007');
  });
});

describe('splitChord', () => {
  it('splits on plus signs', () => {
    expect(splitChord('ctrl+shift+t')).toEqual(['ctrl', 'shift', 't']);
    expect(splitChord('Return')).toEqual(['Return']);
    expect(splitChord(' ctrl + c ')).toEqual(['ctrl', 'c']);
  });

  it('reads a trailing ++ and a lone + as the plus key', () => {
    expect(splitChord('ctrl++')).toEqual(['ctrl', '+']);
    expect(splitChord('+')).toEqual(['+']);
  });

  it('rejects empty chords and empty keys', () => {
    expect(thrownHudError(() => splitChord('')).code).toBe('invalid_argument');
    expect(thrownHudError(() => splitChord('ctrl++a')).code).toBe('invalid_argument');
  });
});
