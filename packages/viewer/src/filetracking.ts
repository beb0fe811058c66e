// The workspace diffs a run recorded (`filetracking/1`, spans `filetracking.setup|snapshot|diff|capture`
// with schema `hud.filetracking.v1`; the payload is the environment's DiffResult or capture result, see
// packages/environment/src/filetracking/diff-result.ts).
import type { Span } from './api.js';

/** One changed file of a diff. */
export interface FilePatch {
  path: string;
  status: 'added' | 'modified' | 'deleted' | string;
  /** A unified diff, or a one-line placeholder (secret, too large, binary). */
  patch: string;
  size_before?: number;
  size_after?: number;
}

/** One file-tracking span as the Files tab shows it. */
export interface FileTrackingEntry {
  /** `filetracking.diff`, `filetracking.setup`, `filetracking.snapshot` or `filetracking.capture`. */
  name: string;
  time: string | null;
  files_scanned: number | null;
  files_changed: number | null;
  truncated: boolean;
  patches: FilePatch[];
  /** The capture result (files captured/skipped) for `filetracking.capture`. */
  capture: Record<string, unknown> | null;
}

const SCHEMA = 'hud.filetracking.v1';

const numberOr = (value: unknown) => (typeof value === 'number' ? value : null);

/** The file-tracking spans of a trace in time order; spans of other kinds are skipped. */
export function fileTrackingOfSpans(spans: readonly Span[]): FileTrackingEntry[] {
  const entries: FileTrackingEntry[] = [];
  for (const span of spans) {
    const attributes = span.attributes ?? {};
    const name = span.name ?? '';
    if (attributes['hud.schema'] !== SCHEMA && !name.startsWith('filetracking.')) continue;
    const payload = attributes['hud.payload'];
    if (typeof payload !== 'object' || payload === null) continue;
    const record = payload as Record<string, unknown>;
    const patches = Array.isArray(record.patches)
      ? record.patches.filter(
          (patch): patch is FilePatch =>
            typeof patch === 'object' &&
            patch !== null &&
            typeof (patch as FilePatch).path === 'string' &&
            typeof (patch as FilePatch).patch === 'string',
        )
      : [];
    entries.push({
      name: name || 'filetracking',
      time: span.end_time ?? span.start_time ?? null,
      files_scanned: numberOr(record.files_scanned),
      files_changed: numberOr(record.files_changed),
      truncated: record.truncated === true,
      patches,
      capture: name.endsWith('.capture') ? record : null,
    });
  }
  return entries.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
}

/** The kind of one line of a unified diff, for colouring. */
export function diffLineKind(line: string): 'add' | 'del' | 'hunk' | 'meta' | 'context' {
  if (line.startsWith('+++') || line.startsWith('---')) return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('diff ') || line.startsWith('index ') || line.startsWith('\\')) return 'meta';
  return 'context';
}
