import { AsyncLocalStorage } from 'node:async_hooks';

/** What `serve(env, options)` tells the workspaces its initialize hooks start. */
export interface FileTrackingServeContext {
  /** Default of `WorkspaceOptions.trackFiles` (`HUD_FILE_TRACKING_ENABLED`; true when not serving). */
  enabled: boolean;
  /** The control port's frame limit, applied to the `filetracking/1` port too. */
  maxFrameBytes: number | undefined;
}

const context = new AsyncLocalStorage<FileTrackingServeContext>();

/** Runs `start` (typically `env.start()`) with `settings` visible to the workspaces it starts. */
export function startWithFileTracking<T>(settings: FileTrackingServeContext, start: () => T): T {
  return context.run(settings, start);
}

/** The settings of the `serve` running the current initialize hook; tracking on outside one. */
export function fileTrackingContext(): FileTrackingServeContext {
  return context.getStore() ?? { enabled: true, maxFrameBytes: undefined };
}
