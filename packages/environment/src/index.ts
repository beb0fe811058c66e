/** Re-exported from `@hud/protocol`, where it moved (the error a control-channel handler throws). */
export { WireError } from '@hud/protocol';
export { argsJsonSchema, coerceArg, pydanticTitle, returnsJsonSchema } from './args-schema.js';
export {
  BrowserLaunchError,
  type BrowserLaunchErrorCode,
  type BrowserOptions,
  CDP_PROTOCOL,
  ChromiumBrowser,
  DEFAULT_CHROMIUM_PATH,
} from './capabilities/browser.js';
export {
  MCP_PROTOCOL,
  McpHttpService,
  type McpServeOptions,
  type McpServerFactory,
  type McpSource,
  type McpToolDefinition,
  type McpToolReturn,
  mcpTool,
} from './capabilities/mcp.js';
export {
  ROBOT_DEFAULT_PORT,
  type RobotEpisode,
  type RobotFrame,
  type RobotServeOptions,
  RobotServer,
  type RobotSim,
  type RobotSlot,
  robotCapability,
  serveRobot,
} from './capabilities/openpi.js';
export { Screen, type ScreenOptions } from './capabilities/screen.js';
export { type CapabilityRecord, capabilityEndpoint, capabilityManifest } from './capability.js';
export { ControlChannel, type ControlChannelOptions } from './control-channel.js';
export { Environment, type EnvironmentOptions, type Hook } from './environment.js';
export type { CapturedFile, CapturePayload } from './filetracking/capture.js';
export type { DiffResult, PatchEntry } from './filetracking/diff-result.js';
export { DEFAULT_EXCLUDE_PATTERNS, SECRET_PATTERNS } from './filetracking/patterns.js';
export {
  FILE_TRACKING_PROTOCOL,
  FileTrackingServer,
  type FileTrackingServerOptions,
} from './filetracking/server.js';
export {
  DEFAULT_FILE_TRACKER_LIMITS,
  FileTracker,
  type FileTrackerLimits,
  type FileTrackerOptions,
  type ManifestEntry,
} from './filetracking/tracker.js';
export {
  importModule,
  type LoadEnvironmentOptions,
  loadEnvironment,
  type ModuleFallbacks,
  resolveEnvironmentFile,
  selectEnvironment,
} from './loader.js';
export { type Logger, silentLogger } from './logger.js';
export { pythonRepr } from './python-repr.js';
export { bind, ControlServer, PORT_ANNOUNCEMENT, type ServeOptions, serve } from './server.js';
export { normalizeGrade, promptFrame, TaskRunner } from './task-runner.js';
export {
  type AnswerOf,
  environmentOfTask,
  type Solution,
  type TaskFactory,
  type Template,
  type TemplateBody,
  type TemplateContext,
  type TemplateOptions,
  type TypedAnswer,
} from './template.js';
export {
  solveWithTools,
  ToolSolution,
  type ToolSolutionCall,
  ToolSolutionError,
  type ToolSolutionInput,
} from './tool-solution.js';
export {
  DEFAULT_WORKSPACE_OUTPUT_BYTES,
  WorkspaceCommandExecutor,
  type WorkspaceCommandOutcome,
  type WorkspaceRunOptions,
} from './workspace/command-executor.js';
export type { WorkspaceLaunch, WorkspaceLauncher } from './workspace/launcher.js';
export type { Isolation, WorkspaceMount } from './workspace/sandbox.js';
export { Workspace, type WorkspaceOptions } from './workspace/workspace.js';
