import { HudError } from '../errors.js';

/** X11 keysyms by their `keysymdef.h` name (without `XK_`), for the keys agents press by name. */
const NAMED_KEYSYMS: Readonly<Record<string, number>> = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Linefeed: 0xff0a,
  Clear: 0xff0b,
  Return: 0xff0d,
  Pause: 0xff13,
  Scroll_Lock: 0xff14,
  Sys_Req: 0xff15,
  Escape: 0xff1b,
  Delete: 0xffff,
  Home: 0xff50,
  Left: 0xff51,
  Up: 0xff52,
  Right: 0xff53,
  Down: 0xff54,
  Prior: 0xff55,
  Page_Up: 0xff55,
  Next: 0xff56,
  Page_Down: 0xff56,
  End: 0xff57,
  Begin: 0xff58,
  Select: 0xff60,
  Print: 0xff61,
  Execute: 0xff62,
  Insert: 0xff63,
  Undo: 0xff65,
  Redo: 0xff66,
  Menu: 0xff67,
  Find: 0xff68,
  Cancel: 0xff69,
  Help: 0xff6a,
  Break: 0xff6b,
  Num_Lock: 0xff7f,
  KP_Space: 0xff80,
  KP_Tab: 0xff89,
  KP_Enter: 0xff8d,
  KP_Home: 0xff95,
  KP_Left: 0xff96,
  KP_Up: 0xff97,
  KP_Right: 0xff98,
  KP_Down: 0xff99,
  KP_Prior: 0xff9a,
  KP_Next: 0xff9b,
  KP_End: 0xff9c,
  KP_Begin: 0xff9d,
  KP_Insert: 0xff9e,
  KP_Delete: 0xff9f,
  KP_Multiply: 0xffaa,
  KP_Add: 0xffab,
  KP_Separator: 0xffac,
  KP_Subtract: 0xffad,
  KP_Decimal: 0xffae,
  KP_Divide: 0xffaf,
  KP_Equal: 0xffbd,
  Shift_L: 0xffe1,
  Shift_R: 0xffe2,
  Control_L: 0xffe3,
  Control_R: 0xffe4,
  Caps_Lock: 0xffe5,
  Shift_Lock: 0xffe6,
  Meta_L: 0xffe7,
  Meta_R: 0xffe8,
  Alt_L: 0xffe9,
  Alt_R: 0xffea,
  Super_L: 0xffeb,
  Super_R: 0xffec,
  Hyper_L: 0xffed,
  Hyper_R: 0xffee,
  space: 0x20,
  exclam: 0x21,
  quotedbl: 0x22,
  numbersign: 0x23,
  dollar: 0x24,
  percent: 0x25,
  ampersand: 0x26,
  apostrophe: 0x27,
  parenleft: 0x28,
  parenright: 0x29,
  asterisk: 0x2a,
  plus: 0x2b,
  comma: 0x2c,
  minus: 0x2d,
  period: 0x2e,
  slash: 0x2f,
  colon: 0x3a,
  semicolon: 0x3b,
  less: 0x3c,
  equal: 0x3d,
  greater: 0x3e,
  question: 0x3f,
  at: 0x40,
  bracketleft: 0x5b,
  backslash: 0x5c,
  bracketright: 0x5d,
  asciicircum: 0x5e,
  underscore: 0x5f,
  grave: 0x60,
  braceleft: 0x7b,
  bar: 0x7c,
  braceright: 0x7d,
  asciitilde: 0x7e,
  XF86AudioLowerVolume: 0x1008ff11,
  XF86AudioMute: 0x1008ff12,
  XF86AudioRaiseVolume: 0x1008ff13,
  XF86AudioPlay: 0x1008ff14,
  XF86AudioStop: 0x1008ff15,
  XF86AudioPrev: 0x1008ff16,
  XF86AudioNext: 0x1008ff17,
  XF86Back: 0x1008ff26,
  XF86Forward: 0x1008ff27,
  XF86Refresh: 0x1008ff29,
};

/**
 * Names models use that are not keysym names: browser `KeyboardEvent.key` values (OpenAI sends `ENTER`,
 * `ARROWLEFT`, `CTRL`), Gemini's `control`, and xdotool's short forms. Modifiers map to their left key.
 */
const ALIASES: Readonly<Record<string, string>> = {
  enter: 'Return',
  esc: 'Escape',
  del: 'Delete',
  ins: 'Insert',
  pageup: 'Prior',
  pgup: 'Prior',
  pagedown: 'Next',
  pgdn: 'Next',
  arrowleft: 'Left',
  arrowup: 'Up',
  arrowright: 'Right',
  arrowdown: 'Down',
  ctrl: 'Control_L',
  control: 'Control_L',
  shift: 'Shift_L',
  alt: 'Alt_L',
  option: 'Alt_L',
  meta: 'Meta_L',
  super: 'Super_L',
  win: 'Super_L',
  windows: 'Super_L',
  cmd: 'Super_L',
  command: 'Super_L',
  capslock: 'Caps_Lock',
  numlock: 'Num_Lock',
  scrolllock: 'Scroll_Lock',
  printscreen: 'Print',
  prtsc: 'Print',
  backspace: 'BackSpace',
  browserback: 'XF86Back',
  browserforward: 'XF86Forward',
};

const F1 = 0xffbe;

// Lower-cased lookup: keysym names first, then aliases (which never shadow a keysym name).
const BY_LOWER_NAME = new Map<string, number>();
for (const [name, keysym] of Object.entries(NAMED_KEYSYMS))
  BY_LOWER_NAME.set(name.toLowerCase(), keysym);
for (const [alias, name] of Object.entries(ALIASES)) {
  const keysym = NAMED_KEYSYMS[name];
  if (keysym !== undefined && !BY_LOWER_NAME.has(alias)) BY_LOWER_NAME.set(alias, keysym);
}

/** Control characters `type` turns into keys (hud-python `type_text`: `\n`/`\r` → Return, `\t` → Tab). */
const CONTROL_CHARACTERS: Readonly<Record<string, number>> = {
  '\n': 0xff0d,
  '\r': 0xff0d,
  '\t': 0xff09,
  '\b': 0xff08,
  '\u001b': 0xff1b,
};

/**
 * The X keysym that types `character` (one Unicode code point): Latin-1 printable characters are their own
 * keysym, `\n`/`\r`/`\t`/`\b`/ESC are Return/Return/Tab/BackSpace/Escape, anything else is the Unicode
 * keysym `0x01000000 + code point` (X11 keysymdef.h, "Unicode characters").
 * @throws HudError `invalid_argument` for other control characters.
 */
export function characterKeysym(character: string): number {
  const control = CONTROL_CHARACTERS[character];
  if (control !== undefined) return control;
  const codePoint = character.codePointAt(0) ?? 0;
  if ((codePoint >= 0x20 && codePoint <= 0x7e) || (codePoint >= 0xa0 && codePoint <= 0xff)) {
    return codePoint;
  }
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) {
    throw new HudError(
      'invalid_argument',
      `cannot type control character U+${codePoint.toString(16).padStart(4, '0')}`,
    );
  }
  return 0x01000000 + codePoint;
}

/**
 * The X keysym of one key: a single character (`a`, `A`, `+`, `é`), a keysym name (`Return`, `Page_Up`,
 * `KP_Enter`, `F5`), a common alias in any case (`enter`, `ESC`, `ctrl`, `cmd`, `ArrowLeft`, `PageDown`),
 * or a hex keysym (`0xff0d`). Names are matched case-insensitively; single characters exactly.
 * @throws HudError `invalid_argument` for an unknown name.
 */
export function keysymOf(key: string): number {
  if ([...key].length === 1) return characterKeysym(key);
  const lower = key.toLowerCase();
  const named = BY_LOWER_NAME.get(lower);
  if (named !== undefined) return named;
  const functionKey = /^f([1-9]|[1-2]\d|3[0-5])$/.exec(lower);
  if (functionKey) return F1 + Number(functionKey[1]) - 1;
  if (/^0x[0-9a-f]{1,8}$/.test(lower)) return Number.parseInt(lower, 16);
  throw new HudError(
    'invalid_argument',
    `unknown key ${JSON.stringify(key)}: use an X keysym name (Return, Escape, Page_Down, F5) or a single character`,
  );
}

/**
 * The keys of a chord pressed together, in press order: `ctrl+shift+t` → `['ctrl', 'shift', 't']`.
 * A literal plus is `plus`, or `+` as the last key (`ctrl++`).
 * @throws HudError `invalid_argument` for an empty chord or an empty key (`ctrl++a`).
 */
export function splitChord(chord: string): string[] {
  const trimmed = chord.trim();
  if (trimmed === '+') return ['+'];
  const plusLast = trimmed.endsWith('++');
  const keys = (plusLast ? trimmed.slice(0, -2) : trimmed).split('+').map((key) => key.trim());
  if (plusLast) keys.push('+');
  if (trimmed === '' || keys.some((key) => key === '')) {
    throw new HudError('invalid_argument', `bad key chord ${JSON.stringify(chord)}`);
  }
  return keys;
}
