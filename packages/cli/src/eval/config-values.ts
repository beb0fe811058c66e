import { isRecord } from '@hud/protocol';

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

/**
 * The agent config of a `hud eval` run, lowest precedence first (hud-python `get_agent_kwargs` and
 * `_merge_agent_config`): the agent's `.hud_eval.toml` section (its `model` aside: that is the model's
 * default), `[eval] auto_respond`, then `-c` pairs, where `-c <agent>.key=value` for the agent being run
 * counts as `-c key=value`.
 */
export function mergeAgentConfig(options: {
  agent: string;
  section?: Readonly<Record<string, unknown>>;
  autoRespond?: boolean;
  pairs: Record<string, unknown>;
}): Record<string, unknown> {
  const { model: _model, ...section } = options.section ?? {};
  const { [options.agent]: own, ...pairs } = options.pairs;
  return {
    ...section,
    ...(options.autoRespond === undefined ? {} : { auto_respond: options.autoRespond }),
    ...pairs,
    ...(isRecord(own) ? own : own === undefined ? {} : { [options.agent]: own }),
  };
}
