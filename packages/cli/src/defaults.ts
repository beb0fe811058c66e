/**
 * Defaults that appear in `hud --help`: kept in a module of their own, free of imports, so that printing the
 * help loads none of the packages the commands themselves use.
 */

/** The `--store` default of `hud eval`, `hud jobs` and `hud trace`: the job store under the working directory. */
export const DEFAULT_STORE = '.hud/jobs';

/** The server `hud task` attaches to when no --url is given (hud-python probes the same port). */
export const DEFAULT_URL = 'tcp://127.0.0.1:8765';
