import type Docker from 'dockerode';

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

/**
 * The last `lines` log lines of `container` with the engine's timestamps (`timestamps: true`), per stream;
 * empty when the engine cannot give them (the container is gone).
 */
export async function fetchLogLines(
  container: Pick<Docker.Container, 'logs'>,
  lines: number,
): Promise<ContainerLogLine[]> {
  try {
    const buffer = (await container.logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      tail: lines,
      follow: false,
    })) as unknown as Buffer;
    return timedLogLines(Buffer.from(buffer));
  } catch {
    return [];
  }
}

/** One line of a container's log with the engine's timestamp. */
export interface ContainerLogLine {
  /** ISO-8601 UTC (the engine's RFC 3339 nanosecond time cut to what `Date` keeps), or '' when none. */
  time: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/**
 * The lines of a log buffer fetched with `timestamps: true` (each line `<RFC 3339 time> <text>`), per stream:
 * multiplexed frames (stream byte 1 stdout, 2 stderr) are split and each frame's lines read; a buffer that
 * does not parse as frames (a TTY container) is all stdout.
 */
export function timedLogLines(buffer: Buffer): ContainerLogLine[] {
  const frames: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  let offset = 0;
  let framed = true;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    if ((stream !== 0 && stream !== 1 && stream !== 2) || offset + 8 + length > buffer.length) {
      framed = false;
      break;
    }
    frames.push({
      stream: stream === 2 ? 'stderr' : 'stdout',
      text: buffer.subarray(offset + 8, offset + 8 + length).toString('utf8'),
    });
    offset += 8 + length;
  }
  if (!framed || offset !== buffer.length) {
    frames.splice(0, frames.length, { stream: 'stdout', text: buffer.toString('utf8') });
  }
  const lines: ContainerLogLine[] = [];
  for (const frame of frames) {
    for (const raw of frame.text.replace(/\n$/, '').split('\n')) {
      const match = /^(\d{4}-\d\d-\d\dT\S+) (.*)$/s.exec(raw);
      const millis = match ? Date.parse(match[1] as string) : Number.NaN;
      lines.push({
        time: Number.isNaN(millis) ? '' : new Date(millis).toISOString(),
        stream: frame.stream,
        line: (match && !Number.isNaN(millis) ? (match[2] as string) : raw).replace(/\r$/, ''),
      });
    }
  }
  return lines;
}
