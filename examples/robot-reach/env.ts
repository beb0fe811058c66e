import { Environment, serveRobot, type TemplateContext } from '@hud/environment';
import { OpenPiClient } from '@hud/protocol';
import { z } from 'zod';
import { ARM_CONTRACT, PlanarArm } from './arm.js';
import { reachTarget } from './policy.js';

export const env = new Environment({ name: 'robot-reach', version: '0.1.0' });

/** The simulated arm, served as the `robot` capability (openpi/0) while the environment runs. */
export const arm = new PlanarArm();
export const robot = serveRobot(env, arm, { contract: ARM_CONTRACT });

/** The claim token of each running task, for its reference solution. */
const tokens = new WeakMap<TemplateContext, string>();

export const reach = env.template(
  {
    id: 'reach',
    description: 'Move a simulated two-link arm so its end effector reaches a seeded target.',
    args: z.object({
      seed: z.number().int().describe('picks the target'),
      tolerance: z.number().positive().default(0.05).describe('metres'),
    }),
    // Drives the arm itself, over the robot capability inside the environment process.
    solution: async (_args, context) => {
      const client = await OpenPiClient.connect(env.capability('robot'), {
        token: tokens.get(context),
      });
      try {
        await reachTarget(client);
      } finally {
        await client.close();
      }
      return 'done';
    },
  },
  async function* ({ seed, tolerance }, context) {
    const { prompt, token } = await robot.reset({ seed, tolerance }, { signal: context.signal });
    tokens.set(context, token);
    try {
      // The token goes to the agent as the per-episode binding; HudClient.open('robot') claims with it.
      yield { prompt, bindings: { robot: { token } } };
      yield await robot.result(token);
    } finally {
      await robot.release(token);
    }
  },
);
