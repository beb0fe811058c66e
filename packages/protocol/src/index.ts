export type { Agent, AgentContext, AgentResult } from './agent-contract.js';
export { protocolFamily, resolveBinding } from './binding-resolve.js';
export { forwardedBindingUrl } from './binding-url.js';
export {
  type BrandedErrorClass,
  brandedError,
  type ClassOf,
  type CodedErrorClass,
  codedError,
} from './branded-error.js';
export { CappedOutput } from './capped-output.js';
export { HudClient, type Manifest } from './client.js';
export {
  type CallOptions,
  ClientDefaults,
  type ConnectOptions,
  type ControlEndpoint,
  HUD_PROTOCOL_VERSION,
  type HudClientOptions,
  type HudLogger,
} from './client-options.js';
export {
  type CdpBinding,
  CdpClient,
  type CdpEventHandler,
  type CdpWaitOptions,
} from './clients/cdp-client.js';
export { CdpError } from './clients/cdp-error.js';
export {
  MCP_DEFAULT_TIMEOUT_MS,
  type McpBinding,
  type McpCallOptions,
  McpClient,
  type McpContent,
  type McpTool,
  type McpToolResult,
} from './clients/mcp-client.js';
export {
  type McpStdioProxy,
  type McpStdioProxyOptions,
  serveMcpStdioProxy,
} from './clients/mcp-proxy.js';
export {
  type ObservationWaitOptions,
  OPENPI_PROTOCOL,
  type OpenPiBinding,
  OpenPiClient,
  type OpenPiConnectOptions,
  openPiClientFactory,
  type RobotAction,
  type RobotObservation,
} from './clients/openpi-client.js';
export {
  type RobotContract,
  type RobotFeature,
  type RobotSpaces,
  robotSpaces,
} from './clients/openpi-contract.js';
export { RobotEnvError } from './clients/openpi-error.js';
export { packOpenPi, unpackOpenPi } from './clients/openpi-msgpack.js';
export { NdArray, type NumericTypedArray } from './clients/openpi-ndarray.js';
export { connectRfb, rfbClientFactory } from './clients/rfb.js';
export type {
  ClickOptions,
  DragOptions,
  HorizontalScroll,
  MouseButton,
  Point,
  RfbClient,
  RfbConnectOptions,
  ScrollAmount,
} from './clients/rfb-client.js';
export type { RgbaImage } from './clients/rfb-framebuffer.js';
export { characterKeysym, keysymOf, splitChord } from './clients/rfb-keysyms.js';
export { connectSsh } from './clients/ssh.js';
export type { SshBinding, SshClient, SshConnectOptions } from './clients/ssh-client.js';
export {
  DEFAULT_SSH_MAX_OUTPUT_BYTES,
  SSH_PROTOCOL,
  SshCommandError,
  type SshExecOptions,
  type SshExecResult,
  type SshPty,
  shellQuote,
} from './clients/ssh-options.js';
export { type CommandWatch, exitStatus, watchCommand } from './command-watch.js';
export { parseControlUrl } from './connect-url.js';
export {
  ErrorCode,
  HudError,
  type HudErrorCode,
  ProtocolError,
  WireError,
  type WireErrorOptions,
} from './errors.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  type DecodedFrame,
  FrameDecoder,
  MAX_FRAME_BYTES_LIMIT,
} from './frame-decoder.js';
export {
  type EvaluationResult,
  evaluationToWire,
  type SubScore,
  subScoreToWire,
} from './grade.js';
export { errorMessage, hasBrand, isRecord } from './guards.js';
export {
  type ErrorFrame,
  encodeError,
  encodeRequest,
  encodeResult,
  isObjectFrame,
  Method,
  type RequestFrame,
  type RequestId,
  type ResultFrame,
} from './jsonrpc.js';
export { LoopbackServer } from './loopback-server.js';
export {
  type ProtocolClient,
  type ProtocolClientContext,
  type ProtocolClientFactory,
  registerProtocolClient,
} from './protocol-clients.js';
export {
  asciiEscape,
  dumpsSorted,
  encodeCompact,
  formatPythonFloat,
  PyFloat,
  type PythonSeparators,
  pyFloat,
} from './python-json.js';
export { allPassed, QaResult } from './qa-result.js';
export { EvidenceRef, errorVerdict, JudgeReply, QaVerdict } from './qa-verdict.js';
export {
  FAILURE_CATEGORIES,
  type QaCategory,
  type QaWorkflow,
  STANDARD_WORKFLOWS,
  standardWorkflow,
} from './qa-workflows.js';
export type {
  ProvideOptions,
  Provider,
  Runtime,
  RuntimeLease,
  RuntimeLogLine,
} from './runtime.js';
export {
  ByeResult,
  Capability,
  GradeResult,
  HelloParams,
  HelloResult,
  JsonObject,
  paramsError,
  SolveToolCall,
  TaskManifestEntry,
  TaskRow,
  TasksCancelResult,
  TasksGradeParams,
  TasksListResult,
  TasksSolveResult,
  TasksStartParams,
  TasksStartResult,
  TunnelOpenParams,
  TunnelOpenResult,
  WireSubScore,
} from './schemas.js';
export { taskSlug } from './slug.js';
export { settleWithin, withTimeLimit } from './time-limit.js';
export {
  type AgentSample,
  type ImageContent,
  isoTimestamp,
  type PromptMessage,
  promptMessages,
  promptText,
  type RunStatus,
  STEP_SCHEMA,
  type StepInput,
  type StepSource,
  type StopReason,
  type TaskCall,
  type TextContent,
  type ToolCall,
  type ToolResult,
  type TraceStep,
  type Usage,
} from './trace.js';
export {
  FILETRACKING_SCHEMA,
  FileTrackingSpanName,
  SPAN_PAYLOAD_KEY,
  SPAN_SCHEMA_KEY,
  stepPayloadOfSpan,
  stepsOfSpans,
} from './trace-spans.js';
