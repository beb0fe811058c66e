import { createHash } from 'node:crypto';
import { lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { roundMs } from './diff-result.js';
import type { FileEntry, Snapshot } from './scan.js';

/**
 * Deliverables whose content `flush` sends (base64) when they were added or changed since the agent's
 * baseline, with their media types: hud-python 0.6.16 `CAPTURE_CONTENT_TYPES`.
 */
export const CAPTURE_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.webp': 'image/webp',
  '.xlsm': 'application/vnd.ms-excel.sheet.macroEnabled.12',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Limits of one capture (hud-python: 20 files, 5 MiB each, 15 MiB in all). */
export interface CaptureLimits {
  maxCaptureFiles: number;
  maxCaptureFileBytes: number;
  maxCaptureTotalBytes: number;
}

/** One captured file of a {@link CapturePayload}. */
export interface CapturedFile {
  path: string;
  size: number;
  /** SHA-256 hex of the bytes sent. */
  content_hash: string;
  content_type: string;
  file: { type: 'file'; data: string; media_type: string };
  status: 'added' | 'modified';
}

/** The `capture` member of a `flush` result (hud-python `FileTracker._capture_artifacts`). */
export interface CapturePayload {
  snapshot_timestamp: number;
  scan_duration_ms: number;
  files_scanned: number;
  /** Files added or modified since the agent's baseline (every kind). */
  files_changed: number;
  /** Of those, deliverables (by extension, not credential-shaped). */
  files_eligible: number;
  files_captured: number;
  /** Eligible files left out (limits, or the file changed while being read). */
  files_skipped: number;
  files: CapturedFile[];
  truncated?: true;
}

function extension(filePath: string): string {
  return path.posix.extname(filePath).toLowerCase();
}

/** Reads `entry` for capture, or undefined when it is a link, outside `root`, or changed since the scan. */
async function readCaptured(
  root: string,
  entry: FileEntry,
  status: CapturedFile['status'],
  maxBytes: number,
): Promise<CapturedFile | undefined> {
  const raw = path.join(root, entry.path);
  try {
    if ((await lstat(raw)).isSymbolicLink()) return undefined;
    const resolved = await realpath(raw);
    if (!resolved.startsWith(`${root}${path.sep}`)) return undefined;
    const handle = await open(resolved, 'r');
    try {
      const before = await handle.stat({ bigint: true });
      if (
        !before.isFile() ||
        Number(before.size) !== entry.size ||
        before.mtimeNs !== entry.mtimeNs ||
        entry.size > maxBytes
      ) {
        return undefined;
      }
      const data = await handle.readFile();
      const after = await handle.stat({ bigint: true });
      if (
        data.length !== entry.size ||
        Number(after.size) !== entry.size ||
        after.mtimeNs !== entry.mtimeNs
      ) {
        return undefined;
      }
      const hash = createHash('sha256').update(data).digest('hex');
      if (entry.contentHash.length === 64 && hash !== entry.contentHash) return undefined;
      const type = CAPTURE_CONTENT_TYPES[extension(entry.path)] ?? 'application/octet-stream';
      return {
        path: entry.path,
        size: entry.size,
        content_hash: hash,
        content_type: type,
        file: { type: 'file', data: data.toString('base64'), media_type: type },
        status,
      };
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The deliverables added or modified in `current` since `baseline`, with their content, within `limits`
 * (hud-python `_capture_artifacts`). Credential-shaped files are never captured.
 */
export async function captureArtifacts(
  root: string,
  baseline: Snapshot | undefined,
  current: Snapshot,
  limits: CaptureLimits,
): Promise<CapturePayload> {
  const changed: { status: CapturedFile['status']; entry: FileEntry }[] = [];
  if (baseline !== undefined) {
    for (const filePath of [...current.files.keys()].sort()) {
      const entry = current.files.get(filePath) as FileEntry;
      const before = baseline.files.get(filePath);
      if (before === undefined) changed.push({ status: 'added', entry });
      else if (before.contentHash !== entry.contentHash)
        changed.push({ status: 'modified', entry });
    }
  }
  const files: CapturedFile[] = [];
  let eligible = 0;
  let skipped = 0;
  let total = 0;
  let truncated = false;
  for (const { status, entry } of changed) {
    if (entry.redacted || !(extension(entry.path) in CAPTURE_CONTENT_TYPES)) continue;
    eligible++;
    if (
      files.length >= limits.maxCaptureFiles ||
      entry.size > limits.maxCaptureFileBytes ||
      total + entry.size > limits.maxCaptureTotalBytes
    ) {
      skipped++;
      truncated = true;
      continue;
    }
    const file = await readCaptured(root, entry, status, limits.maxCaptureFileBytes);
    if (file === undefined) {
      skipped++;
      continue;
    }
    total += file.size;
    files.push(file);
  }
  const payload: CapturePayload = {
    snapshot_timestamp: current.timestamp,
    scan_duration_ms: roundMs(current.scanDurationMs),
    files_scanned: current.files.size,
    files_changed: changed.length,
    files_eligible: eligible,
    files_captured: files.length,
    files_skipped: skipped,
    files,
  };
  if (truncated) payload.truncated = true;
  return payload;
}
