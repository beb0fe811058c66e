import { diffLineKind, type FilePatch, type FileTrackingEntry } from '../filetracking.js';

/** Patches longer than this many lines start folded. */
const OPEN_LINES = 200;

function Patch({ patch }: { patch: FilePatch }) {
  const lines = patch.patch.replace(/\n$/, '').split('\n');
  return (
    <details class="file-patch" open={lines.length <= OPEN_LINES} data-path={patch.path}>
      <summary>
        <span class={`file-status file-${patch.status}`}>{patch.status}</span> {patch.path}{' '}
        <span class="count">({lines.length} lines)</span>
      </summary>
      <pre class="diff">
        {lines.map((line, index) => (
          <span key={index} class={`diff-${diffLineKind(line)}`}>
            {line || ' '}
          </span>
        ))}
      </pre>
    </details>
  );
}

/** The FILES tab: each file-tracking span with its unified diffs, oldest first. */
export function FilesTab({ entries }: { entries: readonly FileTrackingEntry[] }) {
  if (entries.length === 0) {
    return <p class="empty">No file tracking recorded for this run (filetracking/1 spans).</p>;
  }
  return (
    <div class="files">
      {entries.map((entry, index) => (
        <section key={index} class="file-entry" data-span={entry.name}>
          <h3>
            {entry.name} <span class="count">{entry.time ?? ''}</span>
            {entry.files_changed !== null ? (
              <span class="count">
                {' '}
                · {entry.files_changed} changed of {entry.files_scanned ?? '?'} scanned
              </span>
            ) : null}
            {entry.truncated ? <span class="badge error">truncated</span> : null}
          </h3>
          {entry.patches.map((patch) => (
            <Patch key={patch.path} patch={patch} />
          ))}
          {entry.capture ? (
            <p class="count">
              captured {String(entry.capture.files_captured ?? 0)} files, skipped{' '}
              {String(entry.capture.files_skipped ?? 0)}
            </p>
          ) : null}
        </section>
      ))}
    </div>
  );
}
