/**
 * A parser for the Python reprs recorded in `sdk_calls` (`Manifest(session_id='…', bindings=[Capability(…)])`,
 * dicts, lists, strings, numbers, True/False/None). A call `Name(k=v, …)` becomes `{__class__: 'Name', k: v}`.
 * Test-only: it understands exactly what the recordings contain and throws on anything else.
 */
export type PyValue =
  | string
  | number
  | boolean
  | null
  | PyValue[]
  | { [key: string]: PyValue };

export function parsePythonRepr(text: string): PyValue {
  let position = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`python repr: ${what} at ${position}: ${text.slice(position, position + 30)}`);
  };
  const skipSpace = () => {
    while (text[position] === ' ') position++;
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[position] !== char) fail(`expected ${char}`);
    position++;
  };
  const parseString = (): string => {
    const quote = text[position++];
    let result = '';
    while (position < text.length && text[position] !== quote) {
      const char = text[position++];
      if (char !== '\\') {
        result += char;
        continue;
      }
      const escape = text[position++];
      if (escape === 'n') result += '\n';
      else if (escape === 't') result += '\t';
      else if (escape === 'r') result += '\r';
      else if (escape === 'x' || escape === 'u') {
        const length = escape === 'x' ? 2 : 4;
        result += String.fromCharCode(Number.parseInt(text.slice(position, position + length), 16));
        position += length;
      } else result += escape;
    }
    if (text[position] !== quote) fail('unterminated string');
    position++;
    return result;
  };
  const parseSequence = (close: string, item: () => void) => {
    skipSpace();
    while (text[position] !== close) {
      item();
      skipSpace();
      if (text[position] === ',') position++;
      else if (text[position] !== close) fail(`expected , or ${close}`);
      skipSpace();
    }
    position++;
  };
  const parseValue = (): PyValue => {
    skipSpace();
    const char = text[position];
    if (char === "'" || char === '"') return parseString();
    if (char === '[') {
      position++;
      const list: PyValue[] = [];
      parseSequence(']', () => list.push(parseValue()));
      return list;
    }
    if (char === '{') {
      position++;
      const dict: Record<string, PyValue> = {};
      parseSequence('}', () => {
        const key = parseValue();
        if (typeof key !== 'string') fail('non-string dict key');
        expect(':');
        dict[key as string] = parseValue();
      });
      return dict;
    }
    const number = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/.exec(text.slice(position));
    if (number !== null) {
      position += number[0].length;
      return Number(number[0]);
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(position));
    if (name === null) return fail('unexpected character');
    position += name[0].length;
    if (name[0] === 'True') return true;
    if (name[0] === 'False') return false;
    if (name[0] === 'None') return null;
    expect('(');
    const call: Record<string, PyValue> = { __class__: name[0] };
    parseSequence(')', () => {
      const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(position));
      if (key === null) fail('expected keyword');
      position += (key as RegExpExecArray)[0].length;
      expect('=');
      call[(key as RegExpExecArray)[0]] = parseValue();
    });
    return call;
  };
  const value = parseValue();
  skipSpace();
  if (position !== text.length) fail('trailing text');
  return value;
}
