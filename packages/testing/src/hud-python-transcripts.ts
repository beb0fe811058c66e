import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * One recorded observation of a hud-python 0.6.16 transcript (see `__fixtures__/hud-python-0.6.16/README.md`):
 * a frame one side sent on connection `conn`, with its exact wire text, or a raw/elided/non-JSON write.
 */
export interface TranscriptEntry {
  dir: 'c2s' | 's2c';
  conn: number;
  frame: unknown;
  wire?: string;
  event?: string;
  raw?: boolean;
  json?: boolean;
  b64?: string;
  bytes?: number;
  no_newline?: boolean;
}

/** A recorded scenario of hud-python 0.6.16 (`raw_NN_<scenario>.json`). */
export interface Transcript {
  scenario: string;
  driver: 'raw' | 'sdk';
  description: string;
  server: { stdout_other: string[]; exit_code_after_SIGTERM: number };
  transcript: TranscriptEntry[];
}

/**
 * The directory of the recorded hud-python 0.6.16 transcripts and the `env.py` they were recorded against
 * (absolute, ending in `/`): the one copy the environment's and the end-to-end tests read.
 */
export const HUD_PYTHON_TRANSCRIPTS = fileURLToPath(
  new URL('../__fixtures__/hud-python-0.6.16/', import.meta.url),
);

/**
 * One transcript by file name (`raw_01_hello.json`).
 * @throws Error (ENOENT) for an unknown file, SyntaxError for one that is not JSON.
 */
export function readTranscript(file: string): Transcript {
  return JSON.parse(readFileSync(HUD_PYTHON_TRANSCRIPTS + file, 'utf8')) as Transcript;
}

/** Every `raw_*` transcript, by file name, sorted. */
export function rawTranscripts(): { file: string; transcript: Transcript }[] {
  return readdirSync(HUD_PYTHON_TRANSCRIPTS)
    .filter((file) => file.startsWith('raw_') && file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, transcript: readTranscript(file) }));
}

/** The recorded wire lines (without newline) of one direction of one connection of a transcript. */
export function recordedLines(file: string, dir: 'c2s' | 's2c', conn = 1): string[] {
  return readTranscript(file)
    .transcript.filter(
      (entry) => entry.dir === dir && entry.conn === conn && entry.wire !== undefined,
    )
    .map((entry) => entry.wire as string);
}

const ELIDED = /^<elided (\d+) chars: (['"])(.)/s;

function expandElided(value: unknown): unknown {
  if (typeof value === 'string') {
    const match = ELIDED.exec(value);
    // The recording elides long strings made of one repeated character: rebuild them at full length.
    return match ? (match[3] as string).repeat(Number(match[1])) : value;
  }
  if (Array.isArray(value)) return value.map(expandElided);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, expandElided(item)]),
    );
  }
  return value;
}

/**
 * The bytes a c2s entry put on the wire: its `wire` text plus newline, raw tunnel bytes, a non-JSON line, or
 * (for elided frames) the frame rebuilt at its recorded size.
 * @throws Error when an elided frame cannot be rebuilt to its recorded byte count.
 */
export function clientBytes(entry: TranscriptEntry): Buffer {
  if (entry.raw) {
    return entry.b64 ? Buffer.from(entry.b64, 'base64') : Buffer.from(String(entry.frame), 'utf8');
  }
  const newline = entry.no_newline ? '' : '\n';
  if (entry.wire !== undefined) return Buffer.from(entry.wire + newline, 'utf8');
  if (entry.json === false) return Buffer.from(String(entry.frame) + newline, 'utf8');
  // Elided frames were sent compact, like every frame of the recording.
  const rebuilt = `${JSON.stringify(expandElided(entry.frame))}${newline}`;
  if (entry.bytes !== undefined && Buffer.byteLength(rebuilt) !== entry.bytes) {
    throw new Error(
      `cannot rebuild elided frame: ${Buffer.byteLength(rebuilt)} bytes, recorded ${entry.bytes}`,
    );
  }
  return Buffer.from(rebuilt, 'utf8');
}

/** Ports vary between runs: every `127.0.0.1:<port>` except the recorded dead port 1 becomes `127.0.0.1:PORT`. */
export function normalizePorts(text: string): string {
  return text.replace(/127\.0\.0\.1:(\d+)/g, (whole, port: string) =>
    port === '1' ? whole : '127.0.0.1:PORT',
  );
}
