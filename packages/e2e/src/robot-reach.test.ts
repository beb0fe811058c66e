import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type HudClient, OpenPiClient, RobotEnvError } from '@hud/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { expectExampleReward, removeScratch } from './support/eval-harness.js';
import { connectClient, REPO_ROOT, serveEnv } from './support/served-env.js';

// examples/robot-reach through the real CLI: a simulated two-link arm served as the `robot` capability
// (openpi/0, a WebSocket reached through tunnel.open), graded on where the arm ends up.

const EXAMPLE = path.join(REPO_ROOT, 'examples/robot-reach');
const TASKS = path.join(EXAMPLE, 'tasks.ts');
const ENV_FILE = path.join(EXAMPLE, 'env.ts');

afterAll(removeScratch);

/** The example's scripted policy (the e2e package does not depend on the example). */
interface PolicyModule {
  reachPolicyAgent: { run(context: { client: HudClient }): Promise<{ answer: string }> };
}
const policy = async () =>
  (await import(pathToFileURL(path.join(EXAMPLE, 'policy.ts')).href)) as PolicyModule;

describe('hud eval examples/robot-reach', () => {
  it('oracle scores 1.0 on every task (its solution drives the arm over the robot capability)', () =>
    expectExampleReward(TASKS, 'oracle', '1.000', 3));

  it('nop scores 0.0 on every task (the arm never moves)', () =>
    expectExampleReward(TASKS, 'nop', '0.000', 3));
});

describe('the scripted policy against hud serve examples/robot-reach', () => {
  it('reaches the target through HudClient.open("robot") and grades 1.0; nobody else can take the arm', async () => {
    const served = await serveEnv(ENV_FILE);
    try {
      const client = await connectClient(served);
      try {
        expect(client.manifest?.bindings.map(({ name, protocol }) => ({ name, protocol }))).toEqual(
          [{ name: 'robot', protocol: 'openpi/0' }],
        );
        const start = await client.startTask('reach', { seed: 3 });
        expect(String(start.prompt)).toMatch(/Move the end effector/);
        const token = String(client.episodeBindings.robot?.token);
        expect(token).toMatch(/^slot-0-[0-9a-f]{8}$/);

        const { reachPolicyAgent } = await policy();
        const { answer } = await reachPolicyAgent.run({ client });
        expect(answer).toBe('done');

        // The policy's connection holds the slot: a second client is refused, with or without the token.
        for (const claim of [token, null]) {
          const refused = await OpenPiClient.connect(client.binding('robot'), {
            token: claim,
          }).catch((error: unknown) => error);
          expect(RobotEnvError.isInstance(refused), String(refused)).toBe(true);
          expect((refused as RobotEnvError).envMessage).toBe(
            'RuntimeError: slot 0 already has a live connection',
          );
        }

        const grade = await client.grade({ answer });
        expect(grade.score).toBe(1);
        expect(grade.subscores).toMatchObject([
          { name: 'reached', value: 1 },
          { name: 'closeness', weight: 0 },
        ]);
      } finally {
        await client.close();
      }
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it('an episode nobody acts in grades 0.0', async () => {
    const served = await serveEnv(ENV_FILE);
    try {
      const client = await connectClient(served);
      try {
        await client.startTask('reach', { seed: 3 });
        const grade = await client.grade({ answer: 'done' });
        expect(grade.score).toBe(0);
        expect((grade.info as { distance: number }).distance).toBeGreaterThan(0.05);
      } finally {
        await client.close();
      }
    } finally {
      await served.stop();
    }
  });
});
