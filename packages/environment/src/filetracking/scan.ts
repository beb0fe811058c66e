import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PathMatcher } from './patterns.js';

/** One tracked file in a {@link Snapshot} (hud-python `FileEntry`). */
export interface FileEntry {
  /** Posix path relative to the root, no leading `/`. */
  readonly path: string;
  /** Bytes. */
  readonly size: number;
  /** Modification time, ns since the epoch. */
  readonly mtimeNs: bigint;
  /**
   * Lowercase hex SHA-256 of the content; for files whose content is not read, hud-python's fingerprints:
   * `redacted:<size>:<mtime ns>` (credential-shaped), `overlimit:<size>:<mtime ns>` (over the per-file diff
   * limit), `budget_exceeded:<size>:<mtime ns>` (over the scan's content budget), `unreadable:<size>`.
   */
  readonly contentHash: string;
  /** The text's lines, kept for diffing; undefined for binary, unread or redacted files. */
  readonly lines: readonly string[] | undefined;
  /** A credential-shaped path (see `SECRET_PATTERNS`). */
  readonly redacted: boolean;
}

/** The files under the root at one moment (hud-python `Snapshot`). */
export interface Snapshot {
  /** Seconds since the epoch (float), when the scan ended. */
  readonly timestamp: number;
  readonly files: Map<string, FileEntry>;
  readonly scanDurationMs: number;
}

/** Limits of one scan, bytes. */
export interface ScanLimits {
  /** Files larger than this are not tracked at all (hud-python: 10 MB). */
  maxFileBytes: number;
  /** Files larger than this get a placeholder patch and an `overlimit:` fingerprint (hud-python: 1 MiB). */
  maxDiffFileBytes: number;
  /** New content read per scan; past it, files get a `budget_exceeded:` fingerprint (hud-python: 50 MiB). */
  maxScanContentBytes: number;
}

/** What a scan needs besides the root. */
export interface ScanContext {
  readonly root: string;
  readonly excludes: PathMatcher;
  readonly secrets: PathMatcher;
  readonly limits: ScanLimits;
  /** The previous snapshot: files with the same size and mtime are reused without reading them. */
  readonly previous: Snapshot | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Python `str.splitlines` separators (after universal-newline reading turned `\r\n` and `\r` into `\n`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are Python's line separators, on purpose.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/**
 * The lines of `content` as hud-python reads a file (`open(encoding="utf-8").read().splitlines()`), or
 * undefined when it is binary: not valid UTF-8 (hud-python's test) or containing a NUL byte (hud-ts's
 * addition, so a patch never carries raw NULs).
 */
export function textLines(content: Uint8Array): string[] | undefined {
  if (content.includes(0)) return undefined;
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    return undefined;
  }
  if (text === '') return [];
  const lines = text.split(LINE_BREAK);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Walks `context.root` (not following symbolic links; skipping excluded paths, non-regular files and files
 * over `maxFileBytes`) and returns the snapshot. Unreadable directories are skipped; never throws for a
 * file that vanished or cannot be read.
 */
export async function scanTree(context: ScanContext): Promise<Snapshot> {
  const start = performance.now();
  const files = new Map<string, FileEntry>();
  const budget = { loaded: 0 };
  await walk(context, context.root, '', files, budget);
  return {
    timestamp: Date.now() / 1000,
    files,
    scanDurationMs: performance.now() - start,
  };
}

async function walk(
  context: ScanContext,
  dir: string,
  prefix: string,
  files: Map<string, FileEntry>,
  budget: { loaded: number },
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const isDir = entry.isDirectory();
    if (context.excludes.matches(rel, isDir)) continue;
    const absolute = path.join(dir, entry.name);
    if (isDir) {
      await walk(context, absolute, rel, files, budget);
      continue;
    }
    if (!entry.isFile()) continue;
    const built = await buildEntry(context, absolute, rel, budget);
    if (built !== undefined) files.set(rel, built);
  }
}

async function buildEntry(
  context: ScanContext,
  absolute: string,
  rel: string,
  budget: { loaded: number },
): Promise<FileEntry | undefined> {
  let stat: Awaited<ReturnType<typeof lstat>> & { mtimeNs: bigint; size: bigint };
  try {
    stat = await lstat(absolute, { bigint: true });
  } catch {
    return undefined;
  }
  if (!stat.isFile()) return undefined;
  const size = Number(stat.size);
  const { limits } = context;
  if (size > limits.maxFileBytes) return undefined;
  const mtimeNs = stat.mtimeNs;
  const previous = context.previous?.files.get(rel);
  if (previous !== undefined && previous.mtimeNs === mtimeNs && previous.size === size) {
    return previous;
  }
  const fingerprint = `${size}:${mtimeNs}`;
  if (context.secrets.matches(rel, false)) {
    return {
      path: rel,
      size,
      mtimeNs,
      contentHash: `redacted:${fingerprint}`,
      lines: undefined,
      redacted: true,
    };
  }
  const unread = (contentHash: string): FileEntry => ({
    path: rel,
    size,
    mtimeNs,
    contentHash,
    lines: undefined,
    redacted: false,
  });
  if (size > limits.maxDiffFileBytes) return unread(`overlimit:${fingerprint}`);
  if (budget.loaded + size > limits.maxScanContentBytes) {
    return unread(`budget_exceeded:${fingerprint}`);
  }
  let content: Buffer;
  try {
    content = await readFile(absolute);
  } catch {
    return unread(`unreadable:${size}`);
  }
  budget.loaded += size;
  return {
    path: rel,
    size,
    mtimeNs,
    contentHash: createHash('sha256').update(content).digest('hex'),
    lines: textLines(content),
    redacted: false,
  };
}
