import { describe, expect, it } from 'vitest';
import { diffLineKind, fileTrackingOfSpans } from './filetracking.js';

const patch = '--- a/src/x.ts\n+++ b/src/x.ts\n@@ -1 +1 @@\n-old\n+new\n';

describe('fileTrackingOfSpans', () => {
  it('keeps filetracking spans in time order with their patches, skips others', () => {
    const entries = fileTrackingOfSpans([
      {
        span_id: '2',
        name: 'filetracking.diff',
        end_time: '2026-01-01T00:00:02Z',
        attributes: {
          'hud.schema': 'hud.filetracking.v1',
          'hud.payload': {
            files_scanned: 4,
            files_changed: 1,
            patches: [{ path: 'src/x.ts', status: 'modified', patch }, { path: 3 }],
          },
        },
      },
      {
        span_id: 'x',
        name: 'step',
        attributes: { 'hud.schema': 'hud.step.v1', 'hud.payload': {} },
      },
      {
        span_id: '1',
        name: 'filetracking.snapshot',
        end_time: '2026-01-01T00:00:01Z',
        attributes: {
          'hud.schema': 'hud.filetracking.v1',
          'hud.payload': { files_scanned: 4, files_changed: 0, patches: [] },
        },
      },
    ]);
    expect(entries.map((e) => [e.name, e.files_changed, e.patches.length])).toEqual([
      ['filetracking.snapshot', 0, 0],
      ['filetracking.diff', 1, 1],
    ]);
    expect(entries[1]?.patches[0]?.path).toBe('src/x.ts');
  });

  it('classifies unified diff lines', () => {
    expect(patch.trim().split('\n').map(diffLineKind)).toEqual([
      'meta',
      'meta',
      'hunk',
      'del',
      'add',
    ]);
    expect(diffLineKind(' same')).toBe('context');
  });
});
