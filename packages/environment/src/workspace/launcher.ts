/**
 * What a {@link WorkspaceLauncher} is asked to start: the process of one SSH session, `sftp` subsystem or
 * workspace command, described as it should run in the launched target (e.g. a container).
 */
export interface WorkspaceLaunch {
  /**
   * The program and its arguments in the target: `['bash', '-lc', <command>]`, `['bash', '-l']`, a
   * command's argv, or a shell probe that starts `sftp-server`. Under a pseudo-terminal it is already
   * wrapped in util-linux `script -qefc … /dev/null`, which then must exist in the target (on Debian and
   * Ubuntu it is in the essential `bsdutils` package).
   */
  readonly argv: readonly string[];
  /** The directory to start in, an absolute path as sessions see it (default the workspace's `guestPath`). */
  readonly cwd: string;
  /**
   * The only variables to set in the target: the workspace's `env`, then what the session or command asked
   * for (`HUD_*` dropped), and `TERM` under a pseudo-terminal. Never this process's environment: a
   * container must not get the host's variables.
   */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Whether the session asked for a pseudo-terminal. `argv` then provides it inside the target already, so
   * a launcher must not allocate another (`docker exec -t` would also demand a terminal on this side).
   */
  readonly pty: boolean;
}

/**
 * Maps a {@link WorkspaceLaunch} to the program spawned on this host, e.g. `docker exec` into a container
 * (Harbor tasks), so a workspace's SSH sessions and commands run there instead of on this host.
 * The program runs with this host's environment (minus `HUD_*`), so the docker CLI finds its socket and
 * configuration; it must hand `launch.env` on itself (e.g. `-e K=V`). It is started in the workspace
 * directory on this host. Isolation is the launcher's business: a workspace with a launcher has no
 * bubblewrap sandbox. Killing a session kills the spawned process tree on this host only: a process in a
 * container may outlive its `docker exec` client until the container is removed. A throw fails that
 * session (exit status 127) or command, not the workspace.
 * @returns the host program (`file`, looked up on `PATH`) and its arguments.
 * @example
 * const launcher: WorkspaceLauncher = ({ argv, cwd, env }) => ({
 *   file: 'docker',
 *   args: [
 *     'exec', '-i', '-w', cwd,
 *     ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]),
 *     containerId, ...argv,
 *   ],
 * });
 * env.workspace({ launcher, guestPath: '/app' });
 */
export type WorkspaceLauncher = (launch: WorkspaceLaunch) => { file: string; args: string[] };

/** Where OpenSSH's `sftp-server` lives on Debian/Ubuntu, Fedora/RHEL, and Alpine/macOS. */
export const SFTP_SERVER_PATHS = [
  '/usr/lib/openssh/sftp-server',
  '/usr/libexec/openssh/sftp-server',
  '/usr/libexec/sftp-server',
] as const;

/**
 * The argv that starts `sftp-server` in a launched target, whose file system this host cannot inspect:
 * the first of {@link SFTP_SERVER_PATHS} that is executable there, else a message on stderr and exit 127,
 * so a target without it fails that channel only.
 */
export function launchedSftpServer(): string[] {
  const script = [
    `for server in ${SFTP_SERVER_PATHS.join(' ')}; do`,
    '  if [ -x "$server" ]; then exec "$server"; fi',
    'done',
    'echo "workspace: no sftp-server in the launched target" >&2',
    'exit 127',
  ].join('\n');
  return ['sh', '-c', script];
}
