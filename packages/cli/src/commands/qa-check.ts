import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAgent } from '@hud/agents';
import { importModule } from '@hud/environment';
import { JobStore, loadTaskset, slotOutcomes } from '@hud/eval';
import { loadHarborTaskset } from '../eval/harbor.js';
import { chooseProvider } from '../eval/provider-choice.js';
import { stderrLogger } from '../logger.js';
import { hudModuleFallbacks } from '../module-fallbacks.js';
import { checkRows, rewardsCell } from '../qa/check.js';
import { QaError } from '../qa/errors.js';
import { renderTable } from '../table.js';

/** Flags of `hud qa check`. */
export interface QaCheckFlags {
  group?: string;
  runtime?: string;
  maxConcurrent?: string;
  json?: boolean;
}

function positive(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new QaError(
      'invalid_argument',
      `${flag} must be a whole number of at least 1, got '${raw}'`,
    );
  }
  return value;
}

/**
 * `hud qa check <tasks>`: the grader self-test. Runs the `oracle` and `nop` agents over every task
 * (`--group N` times each) with `hud eval`'s machinery (the same loader and provider choice; `--runtime`
 * local by default) into a scratch job store, prints one row per task (oracle rewards, nop rewards,
 * problems) and exits 1 when any task is flagged: oracle below 1.0 or without a verdict, nop above 0.0,
 * or oracle rewards that vary within the group.
 * @throws QaError for a bad flag or a missing source; the loader's and provider's errors.
 */
export async function qaCheck(source: string, flags: QaCheckFlags): Promise<void> {
  if (!existsSync(source)) throw new QaError('not_found', `no tasks at ${source}`);
  const group = positive(flags.group, '--group', 1);
  const maxConcurrent = positive(flags.maxConcurrent, '--max-concurrent', 4);
  const fallbacks = hudModuleFallbacks();
  // The same sources as hud eval: a Harbor task dir or dataset, else a hud tasks file or directory.
  const taskset =
    (await loadHarborTaskset(source, (line) => process.stderr.write(`${line}\n`))) ??
    (await loadTaskset(source, { importModule: (file) => importModule(file, { fallbacks }) }));
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'hud-qa-check-'));
  const store = new JobStore(scratch);
  const chosen = await chooseProvider({
    runtime: flags.runtime ?? 'local',
    source,
    prewarm: Math.min(maxConcurrent, taskset.size * group),
    tasks: taskset.tasks,
    logger: stderrLogger(),
  });
  try {
    const runsOf = async (agentName: 'oracle' | 'nop') => {
      process.stderr.write(`running ${agentName} over ${taskset.size} tasks × ${group}…\n`);
      const job = await taskset.run({
        agent: createAgent(agentName),
        provider: chosen.provider,
        group,
        maxConcurrent,
        store,
        source: path.resolve(source),
        name: `qa check (${agentName})`,
      });
      return slotOutcomes(job.runs);
    };
    const oracle = await runsOf('oracle');
    const nop = await runsOf('nop');
    const rows = checkRows(taskset.slugs, oracle, nop);
    if (flags.json) {
      console.log(JSON.stringify({ tasks: rows }));
    } else {
      const cells = rows.map((row) => [
        row.slug,
        rewardsCell(row.oracle),
        rewardsCell(row.nop),
        row.problems.length ? row.problems.join('; ') : 'ok',
      ]);
      console.log(
        renderTable(['task', 'oracle', 'nop', 'problems'], cells, process.stdout.isTTY === true),
      );
      const flagged = rows.filter((row) => row.problems.length > 0).length;
      console.log(`${flagged} of ${rows.length} tasks flagged`);
    }
    if (rows.some((row) => row.problems.length > 0)) process.exitCode = 1;
  } finally {
    await chosen.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
