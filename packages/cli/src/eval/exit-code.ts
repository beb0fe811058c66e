/**
 * The exit code of `hud eval` for a finished job: 130 when it was interrupted before every run finished
 * (as a shell reports Ctrl-C; resume it with `--resume`), 1 when a run has no verdict (an infrastructure
 * failure, a cancelled run, an `isError` grade), else 0. A low reward is not an error.
 */
export function evalExitCode(job: {
  readonly cancelled: boolean;
  readonly errors: readonly unknown[];
}): 0 | 1 | 130 {
  if (job.cancelled) return 130;
  return job.errors.length > 0 ? 1 : 0;
}
