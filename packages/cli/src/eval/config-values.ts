/**
 * Parses `-c key=value` pairs as hud-python does: values become booleans, integers, floats or strings;
 * `agent.key=value` targets a nested section.
 * @throws Error naming the pair when it has no `=`.
 */
export function parseConfigPairs(pairs: readonly string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new Error(`-c expects key=value, got '${pair}'`);
    const path = pair.slice(0, equals).split('.');
    let target = config;
    for (const part of path.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = parseValue(pair.slice(equals + 1));
  }
  return config;
}

function parseValue(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}
