import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { shellQuote } from '@hud/protocol';
import { readProcTable } from './proc-table.js';
import { type SandboxSpec, sandboxTarget } from './sandbox.js';

/** A pseudo-terminal for a session: terminal type and window size in characters. */
export interface SessionPty {
  term: string;
  cols: number;
  rows: number;
}

/** What one session runs. */
export interface SessionSpec {
  /** A script (`bash -lc <script>`), an argv run directly, or nothing for a login shell (`bash -l`). */
  command?: string | readonly string[] | undefined;
  pty?: SessionPty | undefined;
  /** Directory as sessions see it; default the workspace. */
  cwd?: string | undefined;
  /** Variables on top of the base environment. */
  env?: Readonly<Record<string, string>> | undefined;
  /** What stdin is: a pipe (default) or `/dev/null`. */
  stdin?: 'pipe' | 'ignore';
}

/**
 * The variables of this process a session starts with: only these (and `LC_*`), never the rest, where
 * provider keys and other credentials live (an LLM judge's key may be in the serving process, and under
 * `hud eval` the CLI's). Everything else a session needs comes from the workspace's `env`.
 */
export const SESSION_PASSED_VARIABLES = ['PATH', 'LANG', 'LANGUAGE', 'TZ', 'TERM'] as const;

/** Passed on too when sessions run as this process's own user: they describe that user. */
const OWN_USER_VARIABLES = ['HOME', 'USER', 'LOGNAME', 'SHELL'] as const;

/**
 * The environment a session starts from (spec §3.2 deviation: hud-python passes its whole environment
 * minus `HUD_*`): {@link SESSION_PASSED_VARIABLES} and `LC_*` from this process; then who the session is —
 * this process's `HOME`, `USER`, `LOGNAME` and `SHELL` when sessions run as its user unisolated, else
 * `HOME` = the workspace as sessions see it, `USER`/`LOGNAME` = the SSH user and `SHELL=/bin/bash`.
 */
export function sessionBaseEnv(sandbox: SandboxSpec): Record<string, string> {
  const env: Record<string, string> = {};
  const passed = new Set<string>(SESSION_PASSED_VARIABLES);
  const ownUser = sandbox.isolation === 'none' && sandbox.runAs === undefined;
  if (ownUser) for (const name of OWN_USER_VARIABLES) passed.add(name);
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && (passed.has(key) || key.startsWith('LC_'))) env[key] = value;
  }
  if (!ownUser) {
    env.HOME = sandbox.guestPath;
    env.USER = sandbox.user;
    env.LOGNAME = sandbox.user;
    env.SHELL = '/bin/bash';
  }
  return env;
}

/**
 * This process's environment without `HUD_*` variables: for a launcher's host program (e.g. the docker
 * CLI, which needs `DOCKER_HOST` and its configuration), which runs on this host and not where sessions run.
 */
function launcherHostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('HUD_')) env[key] = value;
  }
  return env;
}

function innerArgv(spec: SessionSpec): string[] {
  const { command } = spec;
  const argv =
    command === undefined
      ? ['bash', '-l']
      : typeof command === 'string'
        ? ['bash', '-lc', command]
        : [...command];
  if (spec.pty === undefined) return argv;
  // Node has no openpty; util-linux `script` gives the command a real pseudo-terminal (and a controlling
  // tty in its own session), `-e` passes its exit status through.
  const { cols, rows } = spec.pty;
  const size = `stty rows ${Math.trunc(rows) || 24} cols ${Math.trunc(cols) || 80} 2>/dev/null`;
  return ['script', '-qefc', `${size}; exec ${argv.map(shellQuote).join(' ')}`, '/dev/null'];
}

/**
 * Starts a session's process in its own process group (for {@link killTree}): through the sandbox's
 * launcher when it has one, else inside the sandbox (or directly), as `sandbox.runAs` when set. Its
 * environment is {@link sessionBaseEnv}, then `extraEnv` (the workspace's own variables), then what the
 * session asked for (`HUD_*` dropped). With a launcher, the target gets only `extraEnv` and
 * what the session asked for.
 * @throws what the sandbox's launcher throws.
 */
export function spawnSession(
  sandbox: SandboxSpec,
  spec: SessionSpec,
  extraEnv: Readonly<Record<string, string>>,
): ChildProcess {
  const cwd = spec.cwd ?? sandbox.guestPath;
  const stdio: StdioOptions = [spec.stdin ?? 'pipe', 'pipe', 'pipe'];
  if (sandbox.launcher !== undefined) {
    // The target gets only what was asked for; the host program (e.g. the docker CLI) gets this host's
    // environment, which it needs to reach its daemon, and hands `env` on itself.
    const env = withSessionEnv({ ...extraEnv }, spec);
    const target = sandbox.launcher({
      argv: innerArgv(spec),
      cwd,
      env,
      pty: spec.pty !== undefined,
    });
    return spawn(target.file, target.args, {
      cwd: sandbox.root,
      env: launcherHostEnv(),
      detached: true,
      stdio,
    });
  }
  // bwrap itself gets this environment too: it is the sandbox's pid 1, whose /proc/1/environ sessions see.
  const env: Record<string, string> = { ...sessionBaseEnv(sandbox), ...extraEnv };
  withSessionEnv(env, spec);
  env.PWD = cwd;
  const target = sandboxTarget(sandbox, innerArgv(spec), cwd);
  return spawn(target.file, target.args, {
    cwd: target.cwd,
    env,
    detached: true,
    stdio,
    ...(target.runAs === undefined ? {} : { uid: target.runAs.uid, gid: target.runAs.gid }),
  });
}

/** Adds the variables a session asked for (`HUD_*` dropped) and its terminal type to `env`. */
function withSessionEnv(env: Record<string, string>, spec: SessionSpec): Record<string, string> {
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (!key.startsWith('HUD_')) env[key] = value;
  }
  if (spec.pty !== undefined) env.TERM = spec.pty.term || 'xterm-256color';
  return env;
}

/** Child pids by parent pid, read from /proc. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of readProcTable() ?? []) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  return children;
}

/**
 * Signals a session's whole process tree: its process group (the session was spawned as a group leader)
 * and every descendant still attached to it, which also reaches children that started their own session
 * (e.g. the shell `script` runs on a pseudo-terminal). Missing processes are ignored.
 * @returns the pids signalled (the group's leader and its descendants).
 */
export function killTree(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): number[] {
  if (pid === undefined) return [];
  const children = childrenByParent();
  const victims: number[] = [];
  const queue = [pid];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    victims.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  send(-pid, signal);
  for (const victim of victims) send(victim, signal);
  return victims;
}

function send(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** Grace between SIGTERM and SIGKILL when a session's tree is ended: long enough for EXIT traps. */
export const TERMINATE_GRACE_MS = 1_000;

/**
 * Ends a session's process tree: SIGTERM now, so shells run their EXIT traps (a login shell killed
 * outright can leave lock files behind, e.g. pyenv's rehash lock), then SIGKILL to the same processes and
 * the group after `graceMs`. Once the session's process has exited its descendants are no longer found
 * through it, so only its group is signalled (what it left running in the background).
 */
export function terminateTree(child: ChildProcess, graceMs = TERMINATE_GRACE_MS): void {
  const { pid } = child;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null;
  const victims = exited ? [] : killTree(pid, 'SIGTERM');
  if (exited) send(-pid, 'SIGTERM');
  setTimeout(() => {
    send(-pid, 'SIGKILL');
    for (const victim of victims) send(victim, 'SIGKILL');
  }, graceMs).unref();
}
