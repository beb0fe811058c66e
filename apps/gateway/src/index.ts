export { bootstrapKeyProblem, generateKey, hashKey, KEY_PREFIX, keyPrefix } from './api-keys.js';
export { type BuildOptions, createGatewayApp, type GatewayAppOptions } from './app.js';
export { GatewayError, type GatewayErrorCode, STATUS_OF } from './errors.js';
export { describeDatabaseUrl, type Gateway, type GatewayOptions, startGateway } from './gateway.js';
export { type AuthContext, authOf, type RouteFlags, requireAdmin } from './http/auth.js';
export { type LogLevel, redactUrl } from './http/logging.js';
export type { ErrorBody } from './http/replies.js';
export { checkFallbacks, type ModelFallbacks } from './llm/fallbacks.js';
export type { LimitName, LimitRefusal } from './llm/key-guard.js';
export type { LlmApi, LlmOptions, LlmRetryOptions, ProviderAccess } from './llm/options.js';
export { MODEL_HEADER } from './llm/proxy.js';
export type { BuildLogMessage } from './routes/builds-logs.js';
export type { BodyLimits, DeviceFlowOptions, RouteContext } from './routes/context.js';
export type { DeviceCodeReply, DeviceTokenReply } from './routes/device.js';
export type { Page, TraceEventsReply, TraceSpansReply } from './routes/jobs.js';
export type { KeyCreateReply } from './routes/keys.js';
export type { LlmModelItem, LlmModelList } from './routes/llm.js';
export type { SubmitBatchReply, SubmitReply } from './routes/rollout-submit.js';
export type { StreamCounts, StreamTrace } from './routes/rollout-submit-stream.js';
export type { CancelAllReply } from './routes/rollouts.js';
export type { TasksetExportReply, TasksUploadReply } from './routes/tasksets.js';
export type { TelemetryUploadReply } from './routes/telemetry.js';
export type { Lease, LeaseLostReply } from './routes/workers.js';
export type { RolloutOptions } from './routes/workers-hub.js';
export type {
  ClaimedSession,
  RuntimeSessionOptions,
  RuntimeSessionStatus,
  RuntimeSessionView,
} from './runtime-sessions/session-types.js';
export type { BuildRecord, BuildStatus, BuildStore } from './store/areas/builds.js';
export type { CancelStore, TraceCancelOutcome } from './store/areas/cancels.js';
export type { DeviceCodeRecord, DeviceStatus, DeviceStore } from './store/areas/devices.js';
export type { JobRecord, JobStore, TraceRecord, TraceStatus } from './store/areas/jobs.js';
export type { ApiKeyRecord, KeyLimits, KeyRole, KeyStore, TeamRecord } from './store/areas/keys.js';
export type {
  CheckpointInput,
  CheckpointRecord,
  ModelRecord,
  ModelStore,
} from './store/areas/models.js';
export type { EnvironmentRecord, RegistryStore } from './store/areas/registry.js';
export type {
  LeaseState,
  RolloutBody,
  RolloutQueueStore,
  RolloutSubmit,
  TraceChange,
} from './store/areas/rollout-queue.js';
export type {
  ExportedTask,
  TaskInput,
  TasksetRecord,
  TasksetStore,
  TasksetVersion,
  TaskVersion,
  UploadResult,
} from './store/areas/tasksets.js';
export type { SpanRow, TelemetryStore } from './store/areas/telemetry.js';
export type {
  KeySpend,
  UsageInput,
  UsageRequest,
  UsageStore,
  UsageTotals,
} from './store/areas/usage.js';
export { type CatalogModel, MODEL_CATALOG } from './store/model-catalog.js';
export { type GatewayStore, openStore, SQLITE_FILE, type StoreLocation } from './store/store.js';
export type { TraceEvent } from './trace-events.js';
export { VERSION } from './version.js';
