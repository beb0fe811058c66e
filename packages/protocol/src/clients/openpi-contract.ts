/**
 * One feature of a robot contract: an action or an observation, with what a policy needs to wire itself
 * (hud-python `openpi/0` contract, spec §3.6). Extra keys (`type`, units, ...) pass through.
 */
export interface RobotFeature {
  role: 'action' | 'observation';
  /** e.g. `float32`, `uint8`, `image`. */
  dtype?: string;
  shape?: number[];
  /** Per-dimension labels, e.g. `['shoulder', 'elbow']`. */
  names?: string[] | Record<string, unknown> | null;
  /** Normalisation statistics (`mean`, `std`, `min`, `max`, ...). */
  stats?: Record<string, unknown> | null;
  [extra: string]: unknown;
}

/**
 * The self-describing wire contract a robot capability publishes in `params.contract` (spec §3.6):
 * `{robot_type, control_rate, features: {name: {role, dtype, shape, names, stats, ...}}}`.
 */
export interface RobotContract {
  robot_type?: string;
  /** Control steps per second, Hz. */
  control_rate?: number;
  features: Record<string, RobotFeature>;
  [extra: string]: unknown;
}

/** A contract split by role (hud-python `RobotClient.spaces()`). */
export interface RobotSpaces {
  /** The (single) `role: 'action'` feature, with its name; undefined when the contract has none. */
  action: (RobotFeature & { name: string }) | undefined;
  /** The `role: 'observation'` features by name, in contract order. */
  observations: Record<string, RobotFeature>;
}

/** Splits `contract.features` into the action feature and the observation features (missing → empty). */
export function robotSpaces(contract: Partial<RobotContract> | undefined): RobotSpaces {
  const features = contract?.features ?? {};
  let action: RobotSpaces['action'];
  const observations: Record<string, RobotFeature> = {};
  for (const [name, feature] of Object.entries(features)) {
    if (feature?.role === 'action' && action === undefined) action = { ...feature, name };
    else if (feature?.role === 'observation') observations[name] = feature;
  }
  return { action, observations };
}
