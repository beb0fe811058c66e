import type { HudClient, NdArray, OpenPiClient, RobotObservation } from '@hud/protocol';

/**
 * A scripted policy for the arm: inverse kinematics for the joint angles that put the end effector on the
 * target, then a proportional controller on the joint error, clipped to the arm's largest step. It reads
 * everything from the wire: the target from the observation, link lengths and step limit from the contract.
 */
export interface ReachResult {
  /** Actions sent. */
  steps: number;
  /** Metres from the target at the last observation. */
  distance: number;
}

const values = (observation: RobotObservation, name: string): number[] => {
  const array = observation.data[name] as NdArray | undefined;
  if (!array) throw new Error(`observation has no '${name}'`);
  return array.toArray();
};

/** Elbow-down inverse kinematics: joint angles `[shoulder, elbow]` reaching `[x, y]` (clamped to reach). */
export function inverseKinematics(
  [x, y]: readonly number[],
  [l1, l2]: readonly number[],
): [number, number] {
  const a = l1 ?? 1;
  const b = l2 ?? 1;
  const cosine = ((x ?? 0) ** 2 + (y ?? 0) ** 2 - a * a - b * b) / (2 * a * b);
  const elbow = Math.acos(Math.max(-1, Math.min(1, cosine)));
  const shoulder =
    Math.atan2(y ?? 0, x ?? 0) - Math.atan2(b * Math.sin(elbow), a + b * Math.cos(elbow));
  return [shoulder, elbow];
}

/** The angle `value` wrapped into (-π, π]. */
const wrap = (value: number) => Math.atan2(Math.sin(value), Math.cos(value));

/**
 * Drives `robot` to the target in its observations until the joints are on the IK solution (or the episode
 * ends), then stops sending actions: the arm holds its pose.
 * @throws the robot client's errors (RobotEnvError, connection_closed).
 */
export async function reachTarget(robot: OpenPiClient): Promise<ReachResult> {
  const links = (robot.contract.link_lengths as number[] | undefined) ?? [1, 1];
  const maxStep = Number(robot.contract.max_joint_step ?? 0.1);
  let observation = await robot.observation();
  let steps = 0;
  for (;;) {
    const goal = inverseKinematics(values(observation, 'target'), links);
    const joints = values(observation, 'joints');
    const error = goal.map((angle, index) => wrap(angle - (joints[index] ?? 0)));
    if (observation.terminated || error.every((delta) => Math.abs(delta) < 1e-4)) break;
    const action = error.map((delta) => Math.max(-maxStep, Math.min(maxStep, delta)));
    observation = await robot.step(Float32Array.from(action));
    steps += 1;
  }
  const [x, y] = values(observation, 'end_effector');
  const [targetX, targetY] = values(observation, 'target');
  return { steps, distance: Math.hypot((x ?? 0) - (targetX ?? 0), (y ?? 0) - (targetY ?? 0)) };
}

/**
 * The policy as an agent (the shape of `@hud/agents`' `Agent`): opens the task's `robot` capability through
 * the control channel (`HudClient.open('robot')` claims the slot with the episode's token), reaches, and
 * answers `done`.
 */
export const reachPolicyAgent = {
  name: 'robot-reach-policy',
  async run(context: { client: HudClient }): Promise<{ answer: string }> {
    const robot = await context.client.open<OpenPiClient>('robot');
    await reachTarget(robot);
    return { answer: 'done' };
  },
};
