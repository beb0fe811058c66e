import { TrainingError } from './errors.js';
import { type TrajectoryPayload, TrajectoryPayloadSchema } from './schemas.js';

/**
 * A run to train on, as `hud jobs export --format rl` writes it (`RlExportLine` of `@hud/eval`: the fields
 * used here): its trace id, reward, group and, when the agent captured them, token samples.
 */
export interface TrainingExample {
  trace_id: string;
  reward: number | null;
  group_id?: string;
  stop_reason?: string | null;
  samples?: readonly {
    prompt_token_ids?: number[] | null;
    prompt_chunks?: unknown[] | null;
    output_token_ids?: number[] | null;
    output_logprobs?: number[] | null;
  }[];
}

/**
 * One input of a training call: a trace id (the service reads the run itself), a {@link TrajectoryPayload}
 * inline, or a {@link TrainingExample} (sent inline when its samples carry output tokens, else as its
 * trace id — hud-python's rule for a `Run`).
 */
export type TrainingInput = string | TrajectoryPayload | TrainingExample;

/** A batch ready to send: the wire inputs in group order, and how the group checks went. */
export interface PreparedBatch {
  inputs: (string | TrajectoryPayload)[];
  /** Groups found (by `group_id`), or 0 when the inputs carry none. */
  groups: number;
  /** Groups whose rewards differ. */
  groupsWithSpread: number;
}

/** An exported run (it names a group or a stop reason, or is not a valid inline payload) rather than a payload. */
function isExample(input: TrajectoryPayload | TrainingExample): input is TrainingExample {
  if ('group_id' in input || 'stop_reason' in input) return true;
  return 'trace_id' in input && !TrajectoryPayloadSchema.safeParse(input).success;
}

function wireOf(
  input: TrainingInput,
  index: number,
): { wire: string | TrajectoryPayload; reward: number | null; group?: string } {
  if (typeof input === 'string') {
    if (input.trim() === '')
      throw new TrainingError('invalid_batch', `input ${index}: an empty trace id`);
    return { wire: input, reward: null };
  }
  if (isExample(input)) {
    if (input.stop_reason === 'timeout') {
      throw new TrainingError(
        'invalid_batch',
        `input ${index} (trace ${input.trace_id}): the run stopped on a timeout; its trajectory is incomplete and cannot be trained on`,
      );
    }
    if (input.reward === null || !Number.isFinite(input.reward)) {
      throw new TrainingError(
        'invalid_batch',
        `input ${index} (trace ${input.trace_id}): the run has no verdict (reward null); leave it out of the batch`,
      );
    }
    const samples = (input.samples ?? []).filter(
      (sample) => (sample.output_token_ids?.length ?? 0) > 0,
    );
    const wire =
      samples.length > 0
        ? TrajectoryPayloadSchema.parse({ samples, reward: input.reward, trace_id: input.trace_id })
        : input.trace_id;
    return { wire, reward: input.reward, ...(input.group_id ? { group: input.group_id } : {}) };
  }
  const parsed = TrajectoryPayloadSchema.safeParse(input);
  if (!parsed.success) {
    throw new TrainingError(
      'invalid_batch',
      `input ${index}: not a trace id, a TrajectoryPayload or an exported run: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return { wire: parsed.data, reward: parsed.data.reward };
}

/**
 * Checks and orders a batch (hud-python's client-side group checks): at least one input; with
 * `groupSize`, a batch size divisible by it and, for inputs that name their `group_id`, every group
 * complete (exactly `groupSize` runs) and its runs made adjacent (stable, in order of each group's first
 * run: trainers take consecutive runs as a group); `warn` is called when no group has reward spread (GRPO
 * learns nothing from such a batch). Runs cut by a timeout or without a verdict are refused.
 * @throws TrainingError `invalid_argument` for a group size below 1; `invalid_batch` naming the input or
 *   group at fault.
 */
export function prepareBatch(
  batch: readonly TrainingInput[],
  options: { groupSize?: number | undefined; warn?: ((message: string) => void) | undefined } = {},
): PreparedBatch {
  const { groupSize } = options;
  if (groupSize !== undefined && !(Number.isInteger(groupSize) && groupSize >= 1)) {
    throw new TrainingError(
      'invalid_argument',
      `group_size must be a whole number ≥ 1, got ${groupSize}`,
    );
  }
  if (batch.length === 0) throw new TrainingError('invalid_batch', 'the batch is empty');
  const items = batch.map(wireOf);
  if (groupSize === undefined)
    return { inputs: items.map((item) => item.wire), groups: 0, groupsWithSpread: 0 };
  if (batch.length % groupSize !== 0) {
    throw new TrainingError(
      'invalid_batch',
      `a batch of ${batch.length} is not divisible by group_size ${groupSize} (run --group ${groupSize} and export whole groups)`,
    );
  }
  const grouped = new Map<string, typeof items>();
  const ungrouped: typeof items = [];
  for (const item of items) {
    if (item.group === undefined) ungrouped.push(item);
    else grouped.set(item.group, [...(grouped.get(item.group) ?? []), item]);
  }
  for (const [group, members] of grouped) {
    if (members.length !== groupSize) {
      throw new TrainingError(
        'invalid_batch',
        `group ${group} has ${members.length} run${members.length === 1 ? '' : 's'}, not group_size ${groupSize}: send complete groups`,
      );
    }
  }
  let withSpread = 0;
  for (const members of grouped.values()) {
    if (members.some((member) => member.reward !== members[0]?.reward)) withSpread++;
  }
  if (grouped.size > 0 && withSpread === 0) {
    options.warn?.(
      `no group of the batch has reward spread (all ${grouped.size} groups have equal rewards): every GRPO advantage is 0 and the step learns nothing`,
    );
  }
  return {
    inputs: [...[...grouped.values()].flat(), ...ungrouped].map((item) => item.wire),
    groups: grouped.size,
    groupsWithSpread: withSpread,
  };
}
