/**
 * Resolves Harbor's variable templating in `[environment].env`, `[verifier].env` and `[solution].env`
 * values (Harbor v0.22 `src/harbor/utils/env.py`): `${VAR}` takes the host's value, `${VAR:-default}` the
 * default when the host's is unset or empty; any other text is kept.
 * @param values the table from task.toml.
 * @param host the host's variables (the CLI passes `process.env`).
 * @throws Error naming the key and the variable when `${VAR}` has no value on the host (Harbor refuses to
 *   start such a task too).
 */
export function resolveEnv(
  values: Readonly<Record<string, string>>,
  host: Readonly<Record<string, string | undefined>>,
  where: string,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    resolved[key] = String(value).replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_, name: string, fallback: string | undefined) => {
        const found = host[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        throw new Error(`${where}.${key}: \${${name}} is not set on this host`);
      },
    );
  }
  return resolved;
}
