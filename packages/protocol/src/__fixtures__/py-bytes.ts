/**
 * Bytes written the way the openpi tests quote Python's msgpack output: two hex digits a byte, `'…'` runs
 * as ASCII (latin1, as in Python's `b'...'`), spaces ignored. `pyBytes("81 a5 'state' c3")`.
 */
export function pyBytes(spec: string): Buffer {
  const out: number[] = [];
  for (const token of spec.match(/'[^']*'|[0-9a-f]{2}/g) ?? []) {
    if (token.startsWith("'")) out.push(...Buffer.from(token.slice(1, -1), 'latin1'));
    else out.push(Number.parseInt(token, 16));
  }
  return Buffer.from(out);
}
