import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  Agent as AgentsAgent,
  AgentContext as AgentsAgentContext,
  AgentResult as AgentsAgentResult,
} from '@hud/agents';
import * as harbor from '@hud/harbor';
import * as results from '@hud/harbor/results';
import type { Agent, AgentContext, AgentResult } from '@hud/protocol';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { REPO_ROOT } from './support/served-env.js';

// Where the agent contract and Harbor's result writers live (docs/architecture.md §2): the contract in
// @hud/protocol (re-exported by @hud/agents under the same names) so @hud/eval needs no agents package, and
// the Harbor writers, which read @hud/eval's RunRecord, at their own subpath `@hud/harbor/results`.

async function dependenciesOf(pkg: string): Promise<string[]> {
  const manifest = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'packages', pkg, 'package.json'), 'utf8'),
  ) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

describe('the agent contract', () => {
  it('is one set of types, exported by @hud/protocol and re-exported by @hud/agents', () => {
    expectTypeOf<AgentsAgent>().toEqualTypeOf<Agent>();
    expectTypeOf<AgentsAgentContext>().toEqualTypeOf<AgentContext>();
    expectTypeOf<AgentsAgentResult>().toEqualTypeOf<AgentResult>();
  });

  it('leaves @hud/eval depending on no @hud package but @hud/protocol', async () => {
    const hud = (await dependenciesOf('eval')).filter((name) => name.startsWith('@hud/'));
    expect(hud).toEqual(['@hud/protocol']);
  });
});

describe('@hud/harbor/results', () => {
  it("exports Harbor's result and ATIF writers, the same functions the package root re-exports", () => {
    const atif = ['AtifTrajectorySchema', 'toAtif', 'validateAtif'];
    const writers = [...atif, 'harborTrialName', 'toTrialResult', 'writeHarborTrial'].sort();
    expect(Object.keys(results).sort()).toEqual(writers);
    const [root, subpath]: Record<string, unknown>[] = [{ ...harbor }, { ...results }];
    for (const name of writers) expect(subpath?.[name], name).toBe(root?.[name]);
  });
});
