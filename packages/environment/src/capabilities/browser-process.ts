import { readProcTable } from '../workspace/proc-table.js';

/**
 * What of this process's environment the helper daemons (Chromium, Xvfb, x11vnc) get: where programs,
 * home, temp files, the display and fonts are, the locale, and proxies (a browser needs them to reach
 * anything). Everything else — provider keys above all — stays out, so a compromised renderer cannot read
 * them. `*` ends a prefix.
 */
export const HELPER_ENV_NAMES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'TMPDIR',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XAUTHORITY',
  'XDG_*',
  'FONTCONFIG_*',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
] as const;

function helperNameAllowed(name: string): boolean {
  return HELPER_ENV_NAMES.some((allowed) =>
    allowed.endsWith('*') ? name.startsWith(allowed.slice(0, -1)) : name === allowed,
  );
}

/**
 * The environment for a helper daemon: the {@link HELPER_ENV_NAMES} of `base` (default `process.env`),
 * nothing else.
 */
export function helperProcessEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && helperNameAllowed(name)) env[name] = value;
  }
  return env;
}

/**
 * Runs a command in its own process group under a small `sh` watchdog: when the pipe on the watchdog's
 * stdin closes — because we close it, or because this process died, even by SIGKILL — it sends SIGTERM to
 * the command, waits for it, then SIGKILLs the whole group (the command's children included). The
 * command's stderr is the only holder of the stderr pipe, so its end means the command is gone. The
 * command starts under `env -i` with only the {@link HELPER_ENV_NAMES} of the watchdog's environment.
 * Positional arguments: the command and its arguments.
 */
export const WATCHDOG_SCRIPT = [
  'exec 3<&0 </dev/null',
  // Appends NAME=value for each allowed variable, then rotates the command back in front of them…
  'n=$#',
  String.raw`for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | sort -u); do`,
  `  case $name in ${HELPER_ENV_NAMES.join('|')})`,
  String.raw`    eval "set -- \"\$@\" \"$name=\${$name}\"" ;;`,
  '  esac',
  'done',
  'while [ "$n" -gt 0 ]; do set -- "$@" "$1"; shift; n=$((n - 1)); done',
  // …so that env -i sees the variables first and then the command.
  'env -i "$@" &',
  'pid=$!',
  'exec 2>/dev/null',
  "trap '' TERM",
  'read -r _ <&3',
  'kill -TERM "$pid" 2>/dev/null',
  'wait "$pid"',
  'kill -KILL -$$',
].join('\n');

/**
 * Whether any live (non-zombie) process is in process group `pgid`. Reads `/proc` on Linux (a zombie of
 * an orphan nobody reaps still counts for `kill(-pgid, 0)`), else probes with signal 0.
 */
export function processGroupAlive(pgid: number): boolean {
  const table = readProcTable();
  if (table === undefined) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return table.some((entry) => entry.pgrp === pgid && entry.state !== 'Z');
}

/** Polls {@link processGroupAlive} until the group is empty or `timeoutMs` passes; true when empty. */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
