import { formatPythonFloat } from '@hud/protocol';

/**
 * Python's `repr()` of a JSON-like value, as hud-python shows it in messages and in `Answer.raw`
 * (`str(dict)` is `repr`): strings in single quotes unless they contain `'` and no `"`, `True`/`False`/`None`,
 * dicts as `{'k': v}`, lists as `[a, b]`. Integral numbers print as ints, others as Python floats.
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Object.is(value, -0)
      ? String(value)
      : formatPythonFloat(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${reprString(key)}: ${pythonRepr(item)}`).join(', ')}}`;
  }
  return reprString(String(value));
}

/** Characters Python's `str.isprintable()` rejects (besides ASCII controls): repr escapes them. */
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function hexEscape(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\') body += '\\\\';
    else if (char === quote) body += `\\${quote}`;
    else if (char === '\n') body += '\\n';
    else if (char === '\r') body += '\\r';
    else if (char === '\t') body += '\\t';
    else if (code < 0x20 || code === 0x7f) body += hexEscape(code);
    else if (code > 0x7f && NON_PRINTABLE.test(char)) body += hexEscape(code);
    else body += char;
  }
  return `${quote}${body}${quote}`;
}
