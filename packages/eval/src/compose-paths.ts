import type { JsonObject, TaskRow } from '@hud/protocol';

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapCompose(compose: JsonObject, map: (file: string) => string): JsonObject {
  const next: JsonObject = { ...compose };
  if (typeof compose.document === 'string') next.document = map(compose.document);
  if (typeof compose.root === 'string') next.root = map(compose.root);
  else if (isRecord(compose.root) && typeof compose.root.compose_path === 'string') {
    next.root = { ...compose.root, compose_path: map(compose.root.compose_path) };
  }
  return next;
}

/**
 * A row with the file paths of its `runtime_config.compose` (`document`, `root`, `root.compose_path`; its
 * verifier's too) passed through `map`; the same row when it has none. hud-python resolves these against
 * the data file's directory on load and writes them relative to the target directory (spec §5.1).
 */
export function mapComposePaths(row: TaskRow, map: (file: string) => string): TaskRow {
  let next = row;
  const compose = row.runtime_config?.compose;
  if (isRecord(compose)) {
    next = {
      ...next,
      runtime_config: { ...row.runtime_config, compose: mapCompose(compose, map) },
    };
  }
  if (row.verifier) {
    const verifier = mapComposePaths(row.verifier, map);
    if (verifier !== row.verifier) next = { ...next, verifier };
  }
  return next;
}
