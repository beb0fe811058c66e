import { unifiedPatch } from './patch.js';
import type { FileEntry, Snapshot } from './scan.js';

/** One changed file in a {@link DiffResult}, as `filetracking/1` sends it. */
export interface PatchEntry {
  /** Posix path relative to the workspace root. */
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /**
   * The unified diff (see `unifiedPatch`), or a one-line placeholder ending in `\n`:
   * `Secret file changed (content redacted): <path>`, `File too large to diff (<a> -> <b> bytes): <path>`,
   * `Binary file changed: <path>`.
   */
  patch: string;
  /** Bytes (0 when added). */
  size_before: number;
  /** Bytes (0 when deleted). */
  size_after: number;
  /** SHA-256 hex or a fingerprint (see `FileEntry.contentHash`); null when added. */
  content_hash_before: string | null;
  /** As `content_hash_before`; null when deleted. */
  content_hash_after: string | null;
}

/**
 * The `filetracking/1` DiffResult (hud-python `DiffResult.to_dict()`, spec §3.7): `snapshot_timestamp`
 * (seconds since the epoch), `scan_duration_ms` (rounded to 2 decimals), `files_scanned`, `files_changed`
 * (patches sent plus those left out by the size cap), `patches` (smallest files first), and
 * `truncated: true` only when the cap left some out.
 */
export interface DiffResult {
  snapshot_timestamp: number;
  scan_duration_ms: number;
  files_scanned: number;
  files_changed: number;
  patches: PatchEntry[];
  truncated?: true;
}

/** A computed diff plus the paths the byte cap left out (kept pending by the tracker, never sent). */
export interface ComputedDiff {
  result: DiffResult;
  skipped: string[];
}

/** `round(ms, 2)`. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** An empty DiffResult for `snapshot` (a baseline with no changes). */
export function emptyDiff(snapshot: Snapshot): DiffResult {
  return {
    snapshot_timestamp: snapshot.timestamp,
    scan_duration_ms: roundMs(snapshot.scanDurationMs),
    files_scanned: snapshot.files.size,
    files_changed: 0,
    patches: [],
  };
}

async function patchText(
  filePath: string,
  before: FileEntry | undefined,
  after: FileEntry | undefined,
  maxDiffFileBytes: number,
): Promise<string> {
  if (before?.redacted || after?.redacted) {
    return `Secret file changed (content redacted): ${filePath}\n`;
  }
  const sizeBefore = before?.size ?? 0;
  const sizeAfter = after?.size ?? 0;
  if (sizeBefore > maxDiffFileBytes || sizeAfter > maxDiffFileBytes) {
    return `File too large to diff (${sizeBefore} -> ${sizeAfter} bytes): ${filePath}\n`;
  }
  const oldLines = before === undefined ? [] : before.lines;
  const newLines = after === undefined ? [] : after.lines;
  if (oldLines === undefined || newLines === undefined) return `Binary file changed: ${filePath}\n`;
  return unifiedPatch(filePath, oldLines, newLines);
}

/**
 * The changes from `old` to `current` (hud-python `FileTracker._diff`): added, deleted and modified (content
 * hash differs) files, smallest first (by the larger of the two sizes, then path), packed until the patches'
 * UTF-8 bytes would pass `maxDiffBytes`; the ones that do not fit are `skipped` and make it `truncated`.
 */
export async function diffSnapshots(
  old: Snapshot,
  current: Snapshot,
  limits: { maxDiffBytes: number; maxDiffFileBytes: number },
): Promise<ComputedDiff> {
  const changed: {
    path: string;
    before: FileEntry | undefined;
    after: FileEntry | undefined;
    status: PatchEntry['status'];
  }[] = [];
  for (const [filePath, before] of old.files) {
    const after = current.files.get(filePath);
    if (after === undefined) changed.push({ path: filePath, before, after, status: 'deleted' });
    else if (after.contentHash !== before.contentHash) {
      changed.push({ path: filePath, before, after, status: 'modified' });
    }
  }
  for (const [filePath, after] of current.files) {
    if (!old.files.has(filePath)) {
      changed.push({ path: filePath, before: undefined, after, status: 'added' });
    }
  }
  const weight = (c: (typeof changed)[number]) => Math.max(c.before?.size ?? 0, c.after?.size ?? 0);
  changed.sort((a, b) => weight(a) - weight(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const patches: PatchEntry[] = [];
  const skipped: string[] = [];
  let total = 0;
  for (const { path: filePath, before, after, status } of changed) {
    const patch = await patchText(filePath, before, after, limits.maxDiffFileBytes);
    const bytes = Buffer.byteLength(patch, 'utf8');
    if (total + bytes > limits.maxDiffBytes) {
      skipped.push(filePath);
      continue;
    }
    total += bytes;
    patches.push({
      path: filePath,
      status,
      patch,
      size_before: before?.size ?? 0,
      size_after: after?.size ?? 0,
      content_hash_before: before?.contentHash ?? null,
      content_hash_after: after?.contentHash ?? null,
    });
  }
  const result: DiffResult = {
    snapshot_timestamp: current.timestamp,
    scan_duration_ms: roundMs(current.scanDurationMs),
    files_scanned: current.files.size,
    files_changed: patches.length + skipped.length,
    patches,
  };
  if (skipped.length > 0) result.truncated = true;
  return { result, skipped };
}
