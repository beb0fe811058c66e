export {
  type PreparedBatch,
  prepareBatch,
  type TrainingExample,
  type TrainingInput,
} from './batch.js';
export {
  DEFAULT_API_URL,
  DEFAULT_RL_URL,
  type ForwardBackwardOptions,
  type OptimStepOptions,
  TrainingClient,
  type TrainingClientOptions,
} from './client.js';
export { TrainingError, type TrainingErrorCode } from './errors.js';
export {
  type Checkpoint,
  CheckpointSchema,
  type ForwardBackwardResult,
  ForwardBackwardResultSchema,
  type ForwardResult,
  ForwardResultSchema,
  type LossFn,
  type OptimStepResult,
  OptimStepResultSchema,
  type TrainingSample,
  TrainingSampleSchema,
  type TrajectoryPayload,
  TrajectoryPayloadSchema,
} from './schemas.js';
