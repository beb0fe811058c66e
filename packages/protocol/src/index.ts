export { ErrorCode, HudError, type HudErrorCode, ProtocolError } from './errors.js';
export { type DecodedFrame, DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from './frame-decoder.js';
export {
  type EvaluationResult,
  evaluationToWire,
  type SubScore,
  subScoreToWire,
} from './grade.js';
export {
  encodeError,
  encodeRequest,
  encodeResult,
  type ErrorFrame,
  isObjectFrame,
  Method,
  type RequestFrame,
  type RequestId,
  type ResultFrame,
} from './jsonrpc.js';
export {
  asciiEscape,
  dumpsSorted,
  encodeCompact,
  formatPythonFloat,
  PyFloat,
  pyFloat,
} from './python-json.js';
export type { ProvideOptions, Provider, Runtime, RuntimeLease } from './runtime.js';
export {
  ByeResult,
  Capability,
  GradeResult,
  HelloParams,
  HelloResult,
  JsonObject,
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
