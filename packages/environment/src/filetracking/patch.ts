import { type StructuredPatch, structuredPatch } from 'diff';

/** Context lines around each change (difflib's default `n=3`, which hud-python uses). */
const CONTEXT_LINES = 3;
/** Longest a diff may compute before it falls back to one whole-file hunk, ms. */
const DIFF_TIMEOUT_MS = 2_000;

/** A difflib hunk range: `start` alone for one line, `start-1,0` for none, else `start,length`. */
function range(start: number, length: number): string {
  if (length === 1) return `${start}`;
  if (length === 0) return `${start - 1},0`;
  return `${start},${length}`;
}

/** Every line as its own line of text, so the diff never sees a missing final newline. */
function asText(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function computeHunks(
  oldLines: readonly string[],
  newLines: readonly string[],
): Promise<StructuredPatch | undefined> {
  return new Promise((resolve) => {
    structuredPatch('a', 'b', asText(oldLines), asText(newLines), undefined, undefined, {
      context: CONTEXT_LINES,
      timeout: DIFF_TIMEOUT_MS,
      callback: resolve,
    });
  });
}

/**
 * The unified diff of a file's lines in the shape hud-python's `difflib.unified_diff(old, new,
 * fromfile="a/<path>", tofile="b/<path>", lineterm="")` joined by `\n` produces: `--- a/<path>`,
 * `+++ b/<path>`, `@@ -l,s +l,s @@` hunks with 3 lines of context, no trailing newline, and the empty string
 * when nothing differs. The hunks come from the `diff` package (Myers), computed without blocking the event
 * loop; when that takes over 2 s the patch is one hunk replacing every line. Hunk boundaries may differ from
 * difflib's on the same input (a different matching algorithm); every patch applies to the old text.
 */
export async function unifiedPatch(
  filePath: string,
  oldLines: readonly string[],
  newLines: readonly string[],
): Promise<string> {
  const computed = await computeHunks(oldLines, newLines);
  const hunks =
    computed?.hunks ??
    (oldLines.length === 0 && newLines.length === 0
      ? []
      : [
          {
            oldStart: 1,
            oldLines: oldLines.length,
            newStart: 1,
            newLines: newLines.length,
            lines: [...oldLines.map((line) => `-${line}`), ...newLines.map((line) => `+${line}`)],
          },
        ]);
  if (hunks.length === 0) return '';
  const out = [`--- a/${filePath}`, `+++ b/${filePath}`];
  for (const hunk of hunks) {
    // jsdiff reports an empty side as starting at 0 or 1 depending on the version: difflib says `0,0`.
    const oldStart = hunk.oldLines === 0 ? Math.max(hunk.oldStart, 1) : hunk.oldStart;
    const newStart = hunk.newLines === 0 ? Math.max(hunk.newStart, 1) : hunk.newStart;
    out.push(
      `@@ -${range(oldStart, hunk.oldLines)} +${range(newStart, hunk.newLines)} @@`,
      ...hunk.lines.filter((line) => !line.startsWith('\\')),
    );
  }
  return out.join('\n');
}
