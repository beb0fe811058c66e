/** `@hud/testing` (private): test helpers for hud-ts, starting with a scripted fake LLM provider server. */
export {
  defaultRoutes,
  type FakeHandler,
  FakeProvider,
  type FakeProviderOptions,
  registerFakeRoute,
  startFakeProvider,
} from './fake-provider.js';
export { alive, installed, missingCommands } from './host-tools.js';
export {
  clientBytes,
  HUD_PYTHON_TRANSCRIPTS,
  normalizePorts,
  rawTranscripts,
  readTranscript,
  recordedLines,
  type Transcript,
  type TranscriptEntry,
} from './hud-python-transcripts.js';
export type { ProviderRoute, RenderContext } from './provider-route.js';
export { isRawReply, type RawReply, rawReply } from './provider-route.js';
export type { RecordedRequest } from './recorded-request.js';
export { anthropicMessagesRoute } from './routes/anthropic-messages.js';
export { geminiGenerateContentRoute } from './routes/gemini-generate-content.js';
export { builtinRoutes } from './routes/index.js';
export { openaiChatCompletionsRoute } from './routes/openai-chat-completions.js';
export { openaiResponsesRoute } from './routes/openai-responses.js';
export {
  fixedAgent,
  hangingAgent,
  scriptedAgent,
  throwingAgent,
  untilAborted,
} from './scripted-agents.js';
export { MCP_INITIALIZE, rfbSecurityTypes } from './service-probes.js';
export { type TempDir, tempDirEachTest } from './temp-dir.js';
export {
  type RecognisedError,
  rejectedError,
  rejectionOf,
  thrownBy,
  thrownError,
} from './thrown.js';
export {
  FAKE_LOSSES,
  type FakeTrainer,
  type FakeTrainerOptions,
  startFakeTrainer,
  type TrainerAnswer,
  type TrainerRequest,
} from './trainer/fake-trainer.js';
export {
  type DropTurn,
  type ErrorTurn,
  type FakeToolCall,
  type FakeTurn,
  type FakeUsage,
  isDropTurn,
  isErrorTurn,
  type TextTurn,
  type ToolCallsTurn,
} from './turns.js';
export {
  DaytonaFake,
  type DaytonaFakeRequest,
  type DaytonaFakeSandbox,
  type DaytonaFault,
} from './vendors/daytona-fake.js';
export { DockerBackend, FAKE_SANDBOX_LABEL } from './vendors/docker-backend.js';
export {
  E2BFake,
  type E2BFakeRequest,
  type E2BFakeSandbox,
  type E2BFault,
} from './vendors/e2b-fake.js';
export {
  EmulatedBackend,
  type EmulatedSandbox,
  type EmulatedScript,
} from './vendors/emulated-backend.js';
export {
  GrpcStatus,
  ModalFake,
  type ModalFakeCall,
  type ModalFakeSandbox,
  type ModalFault,
} from './vendors/modal-fake.js';
export type { FakeProcess, FakeSandbox, FakeSandboxBackend } from './vendors/sandbox-backend.js';
export {
  WIRE_DEADLINE_MS,
  WireClient,
  type WireClientOptions,
  withDeadline,
} from './wire-client.js';
