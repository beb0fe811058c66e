export { HudEvalError, type HudEvalErrorCode } from './errors.js';
export { EVENT_LOG_FILE, type RunEvents } from './event-log.js';
export type { JobEvent, JobProgress, RunInfo } from './events.js';
export { type ExportRlOptions, exportRl, rlExportLine } from './export-rl.js';
export {
  RL_EXPORT_SCHEMA,
  type RlExportLine,
  RlExportLineSchema,
  type RlMessage,
  RlMessageSchema,
  type RlSample,
  RlSampleSchema,
} from './export-rl-schema.js';
export {
  FILE_TRACKING_FRAME_LIMIT,
  FileTrackingClient,
  type FileTrackingMethod,
} from './filetracking/client.js';
export {
  FileTrackingDefaults,
  FileTrackingObserver,
  type FileTrackingOptions,
  fileTrackingSpan,
} from './filetracking/observer.js';
export {
  ADVANTAGE_EPSILON,
  type GroupStat,
  type GroupStats,
  type GroupStatsOptions,
  groupStats,
  type RunAdvantage,
} from './group-stats.js';
export { newId } from './ids.js';
export { Job, type JobInit, type JobTotals, slotOutcomes, type TaskResult } from './job.js';
export type { JobMeta } from './job-meta.js';
export { currentOwner, type JobOwner, type OwnerState, ownerState } from './job-owner.js';
export { type JobState, jobState } from './job-state.js';
export { parseJsonl } from './jsonl.js';
export type { ModuleImporter } from './load-module.js';
export { DIRECTORY_ENTRIES, type LoadTasksetOptions, loadTaskset } from './loader.js';
export {
  describeSetting,
  type ResumeDifference,
  type ResumeWanted,
  resumeDifferences,
} from './resume-check.js';
export { type RolloutHooks, type RolloutSettings, type RolloutSlot, rollout } from './rollout.js';
export { RunDefaults, type RunOptions } from './run-options.js';
export {
  hasVerdict,
  type RolloutPhase,
  type RunRecord,
  type RunTimings,
  type RunUsage,
} from './run-record.js';
export {
  endEvent,
  phaseEvent,
  RunSideWriter,
  redactLine,
  storedFileTracking,
  storedLogLines,
} from './run-side-writer.js';
export type { RunStore } from './run-store.js';
export { jobName, type RunnableTaskset } from './run-taskset.js';
export { JobStore } from './store.js';
export {
  JobWriter,
  type StoreDebugEvent,
  type StoreLogLine,
  TRACE_FLUSH_INTERVAL_MS,
  type TraceSideKind,
  TraceWriter,
} from './store-writer.js';
export { isTaskLike, type ParseTaskOptions, parseTask } from './task.js';
export { Task } from './task-api.js';
export { Taskset, type TasksetOptions } from './taskset.js';
export { Trace, type TraceOptions } from './trace.js';
export { JobUploader, type JobUploaderOptions } from './upload/job-uploader.js';
export {
  jobEnterReport,
  type LifecycleReport,
  traceEnterReport,
  traceExitReport,
} from './upload/lifecycle.js';
export { UploadError, type UploadErrorCode } from './upload/send.js';
export { type HudSpan, normalizeTraceId, stepSpan, stepSpanId } from './upload/span.js';
export {
  TelemetryUploader,
  type TelemetryUploaderOptions,
  type UploadSummary,
} from './upload/telemetry-uploader.js';
export { dumpTaskRow, writeTaskset } from './write-taskset.js';
