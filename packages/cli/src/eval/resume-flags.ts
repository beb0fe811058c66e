import path from 'node:path';
import { describeSetting, type JobMeta, type ResumeDifference, resumeDifferences } from '@hud/eval';
import { integer } from './flag-values.js';

/** What to drop from the command line to resume a job as recorded, per setting. */
const DROP: Record<ResumeDifference['field'], string> = {
  agent: 'the agent',
  model: '--model',
  group: '--group',
  max_steps: '--max-steps (or --full)',
  source: 'the source',
  tasks: '--all / --task-ids',
};

/**
 * Refuses a `hud eval --resume` whose command line names another agent, model, group size, step budget,
 * source or task selection than job `meta` recorded: resuming it would mix verdicts of two evaluations in
 * one job (`job.json` would still describe the first). What the command leaves out comes from the job.
 * @param source the SOURCE argument, when given.
 * @param agent the AGENT argument, when given.
 * @throws Error one line per difference, e.g. `job <id> was run with agent 'oracle'; this command says
 *   'nop' — drop the agent to resume it as recorded, or start a new job`.
 */
export function resumeChecks(
  meta: JobMeta,
  source: string | undefined,
  agent: string | undefined,
  flags: {
    all?: boolean;
    full?: boolean;
    taskIds?: string;
    model?: string;
    group?: string;
    maxSteps?: string;
  },
): void {
  if (flags.all || flags.full || flags.taskIds) {
    throw new Error(
      `job ${meta.id} runs the ${meta.taskset.count} task${meta.taskset.count === 1 ? '' : 's'} it recorded; this command selects tasks (--all, --full or --task-ids) — drop them to resume it as recorded, or start a new job`,
    );
  }
  const differences = resumeDifferences(meta, {
    source: source === undefined ? undefined : path.resolve(source),
    agent,
    model: flags.model,
    group: integer(flags.group, '--group'),
    maxSteps: integer(flags.maxSteps, '--max-steps'),
  });
  if (differences.length === 0) return;
  const lines = differences.map((difference) => {
    const said = difference.field === 'agent' ? `'${difference.given}'` : difference.given;
    return `job ${meta.id} was run with ${describeSetting(difference.field, difference.recorded)}; this command says ${said} — drop ${DROP[difference.field]} to resume it as recorded, or start a new job`;
  });
  throw new Error(lines.join('\n'));
}
