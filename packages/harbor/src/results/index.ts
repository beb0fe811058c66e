// `@hud/harbor/results`: hud-ts runs written out in Harbor's own shapes (trial `result.json`, ATIF
// `trajectory.json`). These writers read `@hud/eval`'s `RunRecord` (a type only), so they sit outside the
// runtime path: nothing else in `@hud/harbor` imports them, and they import no runtime code.
export { type AtifTrajectory, AtifTrajectorySchema, toAtif, validateAtif } from './atif.js';
export {
  type HarborTrialResult,
  harborTrialName,
  toTrialResult,
  writeHarborTrial,
} from './trial-result.js';
