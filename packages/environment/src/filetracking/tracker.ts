import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type CaptureLimits, type CapturePayload, captureArtifacts } from './capture.js';
import { type DiffResult, diffSnapshots, emptyDiff } from './diff-result.js';
import {
  compilePatterns,
  DEFAULT_EXCLUDE_PATTERNS,
  gitignorePatterns,
  type PathMatcher,
  SECRET_PATTERNS,
} from './patterns.js';
import { type ScanLimits, type Snapshot, scanTree } from './scan.js';

/** Limits of a {@link FileTracker}, bytes (defaults: hud-python 0.6.16's). */
export interface FileTrackerLimits extends ScanLimits, CaptureLimits {
  /** Most patch bytes in one DiffResult; the rest stay pending and set `truncated` (50 MiB). */
  maxDiffBytes: number;
}

/** hud-python 0.6.16's limits (spec §3.7). */
export const DEFAULT_FILE_TRACKER_LIMITS: Readonly<FileTrackerLimits> = {
  maxFileBytes: 10 * 1024 * 1024,
  maxDiffFileBytes: 1024 * 1024,
  maxScanContentBytes: 50 * 1024 * 1024,
  maxDiffBytes: 50 * 1024 * 1024,
  maxCaptureFiles: 20,
  maxCaptureFileBytes: 5 * 1024 * 1024,
  maxCaptureTotalBytes: 15 * 1024 * 1024,
};

/** Options of {@link FileTracker}. */
export interface FileTrackerOptions {
  /** Paths never tracked (default {@link DEFAULT_EXCLUDE_PATTERNS}). */
  exclude?: readonly string[];
  /** Also skip what the root `.gitignore` lists (default true, as hud-python). */
  honorGitignore?: boolean;
  /** Overrides of {@link DEFAULT_FILE_TRACKER_LIMITS}. */
  limits?: Partial<FileTrackerLimits>;
}

/** One entry of the `snapshot` manifest. */
export interface ManifestEntry {
  path: string;
  size: number;
  content_hash: string;
}

/**
 * Tracks the files under a directory by snapshot diffing (hud-python `FileTracker`): the state behind the
 * `filetracking/1` methods. Calls must not overlap (the server runs them one at a time).
 * Credential-shaped paths (`SECRET_PATTERNS`, not overridable) are tracked by size and mtime only.
 */
export class FileTracker {
  readonly root: string;
  readonly #options: FileTrackerOptions;
  readonly #limits: FileTrackerLimits;
  readonly #secrets: PathMatcher = compilePatterns(SECRET_PATTERNS);
  #excludes: PathMatcher | undefined;
  #previous: Snapshot | undefined;
  #baseline: Snapshot | undefined;

  /** @param root an absolute directory (its real path: symbolic links in it are not followed). */
  constructor(root: string, options: FileTrackerOptions = {}) {
    this.root = path.resolve(root);
    this.#options = options;
    this.#limits = { ...DEFAULT_FILE_TRACKER_LIMITS, ...options.limits };
  }

  async #scan(): Promise<Snapshot> {
    this.#excludes ??= await this.#loadExcludes();
    return scanTree({
      root: this.root,
      excludes: this.#excludes,
      secrets: this.#secrets,
      limits: this.#limits,
      previous: this.#previous,
    });
  }

  async #loadExcludes(): Promise<PathMatcher> {
    const patterns = [...(this.#options.exclude ?? DEFAULT_EXCLUDE_PATTERNS)];
    if (this.#options.honorGitignore ?? true) {
      try {
        patterns.push(
          ...gitignorePatterns(await readFile(path.join(this.root, '.gitignore'), 'utf8')),
        );
      } catch {
        // No root .gitignore.
      }
    }
    return compilePatterns(patterns);
  }

  /** Takes the baseline snapshot (at workspace start). */
  async takeBaseline(): Promise<Snapshot> {
    const snapshot = await this.#scan();
    this.#baseline = snapshot;
    this.#previous = snapshot;
    return snapshot;
  }

  /**
   * `setup`: the changes since the last scan (the task's setup), then the current state becomes the agent's
   * baseline, even when the diff was truncated.
   */
  async setup(): Promise<DiffResult> {
    const previous = this.#previous;
    if (previous === undefined) return emptyDiff(await this.takeBaseline());
    const current = await this.#scan();
    const { result } = await diffSnapshots(previous, current, this.#limits);
    this.#baseline = current;
    this.#previous = current;
    return result;
  }

  /** `advance`: the current state becomes the agent's baseline, without a diff. */
  async advance(): Promise<void> {
    await this.takeBaseline();
  }

  /** `snapshot`: the last scan's files (path, size, hash; credential-shaped ones left out), by path. */
  manifest(): ManifestEntry[] {
    const snapshot = this.#previous ?? this.#baseline;
    if (snapshot === undefined) return [];
    return [...snapshot.files.values()]
      .filter((entry) => !entry.redacted)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((entry) => ({ path: entry.path, size: entry.size, content_hash: entry.contentHash }));
  }

  /** `diff`: the changes since the last scan; files the byte cap left out stay pending for the next one. */
  async diff(): Promise<DiffResult> {
    if (this.#previous === undefined) return emptyDiff(await this.takeBaseline());
    return this.#diffCurrent(await this.#scan());
  }

  /** `flush`: the last diff, plus the deliverables changed since the agent's baseline, from one scan. */
  async flush(): Promise<{ diff: DiffResult; capture: CapturePayload }> {
    if (this.#previous === undefined) {
      const baseline = await this.takeBaseline();
      return {
        diff: emptyDiff(baseline),
        capture: await captureArtifacts(this.root, baseline, baseline, this.#limits),
      };
    }
    const current = await this.#scan();
    const capture = await captureArtifacts(this.root, this.#baseline, current, this.#limits);
    return { diff: await this.#diffCurrent(current), capture };
  }

  async #diffCurrent(current: Snapshot): Promise<DiffResult> {
    const previous = this.#previous as Snapshot;
    const { result, skipped } = await diffSnapshots(previous, current, this.#limits);
    for (const filePath of skipped) {
      const before = previous.files.get(filePath);
      if (before === undefined) current.files.delete(filePath);
      else current.files.set(filePath, before);
    }
    this.#previous = current;
    return result;
  }
}
