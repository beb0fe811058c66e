export { type ExecOptions, type ExecResult, execIn } from './container-exec.js';
export { HarborLoadError, HarborRunError, type HarborRunErrorCode } from './errors.js';
export { HarborContainer, type HarborContainerSpec } from './harbor-container.js';
export {
  type HarborProvider,
  HarborRuntime,
  type HarborRuntimeOptions,
  harborTaskDir,
  isHarborRow,
} from './harbor-provider.js';
export {
  type HarborSource,
  harborTaskRow,
  isHarborSource,
  loadHarborSource,
  readHarborTask,
} from './load.js';
export { parseTaskToml } from './parse-task-toml.js';
// The Harbor-shaped result writers, also at `@hud/harbor/results`; they use @hud/eval for types only.
export {
  type AtifTrajectory,
  AtifTrajectorySchema,
  type HarborTrialResult,
  harborTrialName,
  toAtif,
  toTrialResult,
  validateAtif,
  writeHarborTrial,
} from './results/index.js';
export { type RewardReading, readRewardFiles, summarizeRewards } from './reward-file.js';
export type {
  HarborAgentConfig,
  HarborArtifact,
  HarborEnvironmentConfig,
  HarborFinding,
  HarborHealthcheck,
  HarborStep,
  HarborTask,
  HarborTaskConfig,
  HarborVerifierConfig,
} from './task-config.js';
export { TaskImages } from './task-images.js';
export { hashTree } from './tree-digest.js';
export { HARBOR_TEMPLATE_ID, type TrialShell, trialEnvironment } from './trial-environment.js';
