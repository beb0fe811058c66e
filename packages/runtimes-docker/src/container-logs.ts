/**
 * The text of a non-TTY container log buffer: the engine multiplexes stdout and stderr in frames of an
 * 8-byte header (stream byte, 3 zero bytes, big-endian uint32 length) and a payload. A buffer that does not
 * parse as frames (a TTY container) is returned as is.
 */
export function demuxLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    if ((stream !== 0 && stream !== 1 && stream !== 2) || offset + 8 + length > buffer.length) {
      return buffer.toString('utf8');
    }
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  if (offset !== buffer.length) return buffer.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}

/** The last `lines` lines of `text`, without a trailing empty line. */
export function lastLines(text: string, lines: number): string {
  const all = text.replace(/\n$/, '').split('\n');
  return all.slice(-lines).join('\n');
}
