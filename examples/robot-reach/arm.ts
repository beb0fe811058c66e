import type { RobotFrame, RobotSim } from '@hud/environment';
import { NdArray, type RobotContract } from '@hud/protocol';

/** Link lengths of the arm, metres: the shoulder link, then the elbow link. */
export const LINKS = [1.0, 0.8] as const;
/** The largest joint move of one control step, radians (actions are clipped to it). */
export const MAX_JOINT_STEP = 0.1;
/** Control steps per episode. */
export const HORIZON = 200;

/**
 * The arm's wire contract (`params.contract` of the `robot` capability). `link_lengths` and `max_joint_step`
 * are extra keys a policy may use for its kinematics.
 */
export const ARM_CONTRACT: RobotContract = {
  robot_type: 'planar_2link',
  control_rate: 20,
  link_lengths: [...LINKS],
  max_joint_step: MAX_JOINT_STEP,
  features: {
    joints: { role: 'observation', dtype: 'float32', shape: [2], names: ['shoulder', 'elbow'] },
    end_effector: { role: 'observation', dtype: 'float32', shape: [2], names: ['x', 'y'] },
    target: { role: 'observation', dtype: 'float32', shape: [2], names: ['x', 'y'] },
    action: {
      role: 'action',
      dtype: 'float32',
      shape: [2],
      names: ['shoulder_delta', 'elbow_delta'],
    },
  },
};

/** Forward kinematics: the end effector `[x, y]` of joint angles `[shoulder, elbow]` (radians). */
export function endEffector(joints: ArrayLike<number>): [number, number] {
  const [l1, l2] = LINKS;
  const shoulder = joints[0] ?? 0;
  const elbow = shoulder + (joints[1] ?? 0);
  return [
    l1 * Math.cos(shoulder) + l2 * Math.cos(elbow),
    l1 * Math.sin(shoulder) + l2 * Math.sin(elbow),
  ];
}

/** mulberry32: a small seeded PRNG in [0, 1), so a task's target depends only on its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The target of a seed: a reachable point 0.5–1.6 m from the shoulder, away from the start pose. */
export function targetOf(seed: number): [number, number] {
  const next = random(seed);
  const start = endEffector([0, 0]);
  for (;;) {
    const radius = 0.5 + 1.1 * next();
    const angle = Math.PI * (2 * next() - 1);
    const target: [number, number] = [radius * Math.cos(angle), radius * Math.sin(angle)];
    if (Math.hypot(target[0] - start[0], target[1] - start[1]) > 0.5) return target;
  }
}

const f32 = (values: ArrayLike<number>) => new NdArray(Float32Array.from(values));

/**
 * A planar two-link arm (no physics: each action moves the joints directly, clipped to
 * {@link MAX_JOINT_STEP}). An episode starts straight out (`[0, 0]`) and ends after {@link HORIZON} steps;
 * the grade is whether the end effector is within `tolerance` of the target when the task is graded.
 */
export class PlanarArm implements RobotSim {
  joints = [0, 0];
  target: [number, number] = [0, 0];
  tolerance = 0.05;
  steps = 0;
  totalReward = 0;

  reset(args: Record<string, unknown>): string {
    const seed = Number(args.seed ?? 0);
    this.tolerance = Number(args.tolerance ?? 0.05);
    this.target = targetOf(seed);
    this.joints = [0, 0];
    this.steps = 0;
    this.totalReward = 0;
    const [x, y] = this.target.map((value) => value.toFixed(3));
    return (
      `Move the end effector of the two-link arm (the 'robot' capability, openpi/0) to x=${x}, y=${y} ` +
      `(metres) and hold it there, within ${this.tolerance} m. Each action is [shoulder_delta, elbow_delta] ` +
      `in radians, clipped to ±${MAX_JOINT_STEP}. Reply 'done' when the arm is there.`
    );
  }

  step(action: NdArray<Float32Array>): void {
    for (const joint of [0, 1]) {
      const delta = Math.max(-MAX_JOINT_STEP, Math.min(MAX_JOINT_STEP, action.data[joint] ?? 0));
      this.joints[joint] = (this.joints[joint] ?? 0) + (Number.isFinite(delta) ? delta : 0);
    }
    this.steps += 1;
    this.totalReward -= this.distance();
  }

  observe(): RobotFrame {
    return {
      data: {
        joints: f32(this.joints),
        end_effector: f32(endEffector(this.joints)),
        target: f32(this.target),
      },
      terminated: this.steps >= HORIZON,
      reward: -this.distance(),
    };
  }

  /** Metres between the end effector and the target. */
  distance(): number {
    const [x, y] = endEffector(this.joints);
    return Math.hypot(x - this.target[0], y - this.target[1]);
  }

  get success(): boolean {
    return this.distance() <= this.tolerance;
  }

  /** `reached` decides the reward; `closeness` (weight 0) says how near a miss came. */
  result(): Record<string, unknown> {
    const distance = this.distance();
    const [startX, startY] = endEffector([0, 0]);
    const initial = Math.hypot(startX - this.target[0], startY - this.target[1]);
    return {
      reward: this.success ? 1 : 0,
      subscores: [
        { name: 'reached', weight: 1, value: this.success ? 1 : 0 },
        { name: 'closeness', weight: 0, value: Math.max(0, Math.min(1, 1 - distance / initial)) },
      ],
      info: {
        distance,
        tolerance: this.tolerance,
        steps: this.steps,
        total_reward: this.totalReward,
      },
    };
  }
}
