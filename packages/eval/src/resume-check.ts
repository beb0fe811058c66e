import type { JobMeta } from './job-meta.js';

/** One setting in which a resume differs from what job.json recorded. */
export interface ResumeDifference {
  /** Which setting: the agent, its model, the group size, the step budget, the task source, the tasks. */
  field: 'agent' | 'model' | 'group' | 'max_steps' | 'source' | 'tasks';
  /** What the job recorded, as text. */
  recorded: string;
  /** What the resume asks for, as text. */
  given: string;
}

/** What a resume would run with; undefined members are taken from the job. */
export interface ResumeWanted {
  agent?: string;
  /** The agent's model; null for an agent without one. */
  model?: string | null;
  group?: number;
  maxSteps?: number;
  /** The task source (an absolute path, as recorded). */
  source?: string;
  /** The slugs of the taskset to run, in order. */
  slugs?: readonly string[];
}

const quoted = (value: string | null | undefined) =>
  value === null || value === undefined ? 'none' : `'${value}'`;

/**
 * How a resume of job `meta` would differ from what the job recorded (empty when it matches): resuming with
 * another agent, model, group size, step budget, source or taskset would mix verdicts of two different
 * evaluations in one job. Settings the job did not record (older `job.json`) are not compared.
 * @param recordedSlugs the slugs of the job's `tasks.jsonl`, when `wanted.slugs` is to be compared.
 */
export function resumeDifferences(
  meta: JobMeta,
  wanted: ResumeWanted,
  recordedSlugs?: readonly string[],
): ResumeDifference[] {
  const differences: ResumeDifference[] = [];
  if (wanted.agent !== undefined && wanted.agent !== meta.agent.name) {
    differences.push({ field: 'agent', recorded: meta.agent.name, given: wanted.agent });
  }
  if (
    wanted.model !== undefined &&
    (wanted.agent === undefined || wanted.agent === meta.agent.name) &&
    wanted.model !== meta.agent.model
  ) {
    differences.push({
      field: 'model',
      recorded: quoted(meta.agent.model),
      given: quoted(wanted.model),
    });
  }
  if (wanted.group !== undefined && wanted.group !== meta.group) {
    differences.push({ field: 'group', recorded: String(meta.group), given: String(wanted.group) });
  }
  if (
    wanted.maxSteps !== undefined &&
    meta.max_steps !== undefined &&
    wanted.maxSteps !== meta.max_steps
  ) {
    differences.push({
      field: 'max_steps',
      recorded: String(meta.max_steps),
      given: String(wanted.maxSteps),
    });
  }
  if (wanted.source !== undefined && meta.source !== null && wanted.source !== meta.source) {
    differences.push({ field: 'source', recorded: meta.source, given: wanted.source });
  }
  if (wanted.slugs !== undefined && recordedSlugs !== undefined) {
    const same =
      wanted.slugs.length === recordedSlugs.length &&
      wanted.slugs.every((slug, index) => slug === recordedSlugs[index]);
    if (!same) {
      differences.push({
        field: 'tasks',
        recorded: `${recordedSlugs.length} task${recordedSlugs.length === 1 ? '' : 's'} (${recordedSlugs.join(', ')})`,
        given: `${wanted.slugs.length} task${wanted.slugs.length === 1 ? '' : 's'} (${wanted.slugs.join(', ')})`,
      });
    }
  }
  return differences;
}

/** `agent 'oracle'`, `group 2`…: how a difference's recorded or given value reads in a sentence. */
export function describeSetting(field: ResumeDifference['field'], value: string): string {
  switch (field) {
    case 'agent':
      return `agent '${value}'`;
    case 'model':
      return `model ${value}`;
    case 'group':
      return `group size ${value}`;
    case 'max_steps':
      return `max steps ${value}`;
    case 'source':
      return `source ${value}`;
    case 'tasks':
      return value;
  }
}
