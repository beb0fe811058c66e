import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JobStore, RunRecord } from '@hud/eval';
import { DIRECTORY_ENTRIES, Taskset } from '@hud/eval';
import { loadHarbor, loadHarborResults } from '../optional-package.js';
import { harborTaskDir, isHarborSource } from './harbor-detect.js';

/**
 * The taskset of a Harbor task directory, dataset or folder of datasets (a directory with `task.toml`, of
 * such directories, or of datasets; see `loadHarborSource`), or undefined when `source` is not one — nor
 * when a directory without `task.toml` has a hud tasks module ({@link DIRECTORY_ENTRIES}), which wins over
 * Harbor tasks further down. Tasks left out — a feature hud-ts does not run (`harbor.unsupported.*`) or a
 * task that does not load (`harbor.invalid.*`) — are reported through `note`, one line each with the
 * task's path under `source` and the finding's code. Telling a Harbor source apart needs no `@hud/harbor`;
 * loading one does.
 * @throws Error when every task of the source was left out; MissingPackageError (`hud eval <source> needs
 *   @hud/harbor …`) when the source is a Harbor one and `@hud/harbor` is not installed.
 */
export async function loadHarborTaskset(
  source: string,
  note: (line: string) => void,
): Promise<Taskset | undefined> {
  if (!isHarborSource(source)) return undefined;
  const root = path.resolve(source);
  if (
    !existsSync(path.join(root, 'task.toml')) &&
    DIRECTORY_ENTRIES.some((entry) => existsSync(path.join(root, entry)))
  ) {
    return undefined;
  }
  const { loadHarborSource } = await loadHarbor(`hud eval ${source} (Harbor tasks)`);
  const loaded = await loadHarborSource(source);
  for (const finding of loaded.findings) {
    const task = path.relative(root, finding.task) || path.basename(finding.task);
    note(`harbor: ${task} left out: [${finding.code}] ${finding.message}`);
  }
  if (loaded.rows.length === 0) {
    throw new Error(
      `no Harbor task of ${source} can run here (${loaded.findings.length} left out)`,
    );
  }
  return new Taskset(loaded.name, loaded.rows);
}

/** The Harbor task name of a run (`[task].name`, as the loader put it in `args.task.id`), else its slug. */
function taskNameOf(record: RunRecord): string {
  const summary = record.task.args.task;
  const id =
    typeof summary === 'object' && summary !== null ? (summary as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : record.slug;
}

/**
 * Writes Harbor-shaped output for each finished run of a Harbor task, beside the job's own store:
 * `<store>/<job-id>/harbor/<task>__<id>/{result.json, agent/trajectory.json, verifier/…}` (Harbor v0.22's
 * trial directory layout), so Harbor's viewer and tools read hud-ts runs. A failure to write is reported
 * through `warn` and never fails the run (the job store already has it).
 */
export class HarborOutputs {
  readonly #store: JobStore;
  readonly #agentName: string;
  readonly #modelName: string | null;
  readonly #warn: (line: string) => void;
  readonly #pending: Promise<void>[] = [];

  constructor(options: {
    store: JobStore;
    agentName: string;
    modelName?: string | null;
    warn: (line: string) => void;
  }) {
    this.#store = options.store;
    this.#agentName = options.agentName;
    this.#modelName = options.modelName ?? null;
    this.#warn = options.warn;
  }

  /** Starts writing a finished run's trial directory (Harbor rows only). */
  onRunEnd(record: RunRecord): void {
    const taskDir = harborTaskDir(record.task);
    if (!taskDir) return;
    this.#pending.push(
      (async () => {
        const { harborTrialName, writeHarborTrial } = await loadHarborResults(
          'hud eval (Harbor trial output)',
        );
        const steps = await this.#store.readTrace(record.trace_id, { jobId: record.job_id });
        await writeHarborTrial({
          dir: path.join(
            this.#store.root,
            record.job_id,
            'harbor',
            harborTrialName(record.slug, record.trace_id),
          ),
          record,
          steps,
          taskName: taskNameOf(record),
          taskDir,
          agentName: this.#agentName,
          modelName: this.#modelName,
        });
      })().catch((error: unknown) => {
        this.#warn(
          `harbor: could not write the trial output of ${record.slug}: ${(error as Error).message}`,
        );
      }),
    );
  }

  /** Waits for every trial directory started so far. */
  async flush(): Promise<void> {
    await Promise.all(this.#pending);
  }
}
