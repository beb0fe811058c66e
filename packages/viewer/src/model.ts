// Pure shaping of API replies for the pages: trace steps out of spans, the task × attempt matrix, the grade.
import type { Span, TraceSummary } from './api.js';

/** A step of a trace (`hud.step.v1`, hud-python's trajectory model): the fields the trace page draws. */
export interface Step {
  step_id: number;
  source: string;
  messages?: { role: string; content: unknown }[];
  content?: string | null;
  reasoning?: string | null;
  tool_calls?: { id?: string; name: string; arguments: unknown }[];
  call?: { id?: string; name: string; arguments: unknown };
  result?: { content?: unknown[]; isError?: boolean; structuredContent?: unknown };
  task_call?: { phase: string; name: string; arguments?: unknown; result?: unknown };
  error?: string | null;
  model?: string | null;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cost_usd?: number | null } | null;
  started_at?: string;
  ended_at?: string;
}

/** Token usage from OpenTelemetry GenAI attributes (`gen_ai.usage.*`, `hud.cost_usd`) when present. */
function usageOfAttributes(attributes: Record<string, unknown>): Step['usage'] {
  const input = attributes['gen_ai.usage.input_tokens'];
  const output = attributes['gen_ai.usage.output_tokens'];
  const cost = attributes['hud.cost_usd'];
  if (typeof input !== 'number' && typeof output !== 'number') return undefined;
  return {
    ...(typeof input === 'number' ? { prompt_tokens: input } : {}),
    ...(typeof output === 'number' ? { completion_tokens: output } : {}),
    ...(typeof cost === 'number' ? { cost_usd: cost } : {}),
  };
}

/** The steps carried by `hud.step.v1` spans (`attributes["hud.payload"]`), by `step_id`; others skipped. */
export function stepsOfSpans(spans: readonly Span[]): Step[] {
  const steps: Step[] = [];
  for (const span of spans) {
    const attributes = span.attributes ?? {};
    if (attributes['hud.schema'] !== 'hud.step.v1') continue;
    const payload = attributes['hud.payload'];
    if (typeof payload !== 'object' || payload === null) continue;
    const step = payload as Step;
    if (typeof step.step_id !== 'number' || typeof step.source !== 'string') continue;
    const usage = step.usage ?? usageOfAttributes(attributes);
    steps.push({
      ...step,
      ...(usage ? { usage } : {}),
      // latency = the span's end − start when the step does not carry its own times
      started_at: step.started_at ?? span.start_time,
      ended_at: step.ended_at ?? span.end_time,
    });
  }
  return steps.sort((a, b) => a.step_id - b.step_id);
}

/** A grade as the trace page shows it. */
export interface GradeView {
  score: number | null;
  subscores: { name: string; value: number; weight?: number }[];
  content: string | null;
  info: unknown;
  isError: boolean;
}

/**
 * The grade of a trace's `evaluation_result` (`{score, subscores?, content?, info?, isError?}`); subscores
 * may be a list of `{name, value, weight?}` or a `{name: value}` record. Null when there is none.
 */
export function gradeOf(result: unknown): GradeView | null {
  if (typeof result !== 'object' || result === null) return null;
  const grade = result as Record<string, unknown>;
  const subscores: GradeView['subscores'] = [];
  if (Array.isArray(grade.subscores)) {
    for (const item of grade.subscores) {
      if (typeof item !== 'object' || item === null) continue;
      const sub = item as Record<string, unknown>;
      subscores.push({
        name: String(sub.name ?? ''),
        value: Number(sub.value ?? sub.score ?? 0),
        ...(typeof sub.weight === 'number' ? { weight: sub.weight } : {}),
      });
    }
  } else if (typeof grade.subscores === 'object' && grade.subscores !== null) {
    for (const [name, value] of Object.entries(grade.subscores)) {
      subscores.push({ name, value: Number(value) });
    }
  }
  return {
    score: typeof grade.score === 'number' ? grade.score : null,
    subscores,
    content: typeof grade.content === 'string' ? grade.content : null,
    info: grade.info ?? null,
    isError: grade.isError === true,
  };
}

/** One task's row of the job matrix: its attempts in order and the mean reward of those with one. */
export interface MatrixRow {
  slug: string;
  attempts: (TraceSummary | undefined)[];
  mean: number | null;
  errors: number;
}

/**
 * The task × attempt matrix of a job's traces: one row per task slug (first-seen order), attempts placed
 * at `group_index` when the server gives it, else in the order the traces came.
 */
export function jobMatrix(traces: readonly TraceSummary[]): { rows: MatrixRow[]; width: number } {
  const rows = new Map<string, MatrixRow>();
  let width = 0;
  for (const trace of traces) {
    const slug = trace.task_slug ?? '(no task)';
    let row = rows.get(slug);
    if (!row) {
      row = { slug, attempts: [], mean: null, errors: 0 };
      rows.set(slug, row);
    }
    const index = trace.group_index ?? row.attempts.length;
    row.attempts[index] = trace;
    width = Math.max(width, row.attempts.length);
  }
  for (const row of rows.values()) {
    const rewards = row.attempts.flatMap((trace) =>
      trace && trace.status !== 'error' && trace.reward !== null ? [trace.reward] : [],
    );
    row.mean = rewards.length > 0 ? rewards.reduce((a, b) => a + b, 0) / rewards.length : null;
    row.errors = row.attempts.filter((trace) => trace?.status === 'error').length;
  }
  return { rows: [...rows.values()], width };
}

/** A background colour for a reward in [0, 1]: red at 0, amber at 0.5, green at 1; grey for none. */
export function rewardColour(reward: number | null | undefined): string {
  if (reward === null || reward === undefined || Number.isNaN(reward)) return '#d8d8d8';
  const clamped = Math.min(1, Math.max(0, reward));
  return `hsl(${Math.round(clamped * 120)}, 65%, 72%)`;
}

/** A reward with up to 3 decimals; an em dash for none. */
export function formatReward(reward: number | null | undefined): string {
  if (reward === null || reward === undefined) return '—';
  return String(Math.round(reward * 1000) / 1000);
}

/** A duration between two ISO times as `1h 2m`, `3m 4s` or `5.6s`; an em dash when unknown. */
export function formatDuration(start: string | null | undefined, end: string | null | undefined) {
  if (!start || !end) return '—';
  const ms = Date.parse(end) - Date.parse(start);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${Math.floor(seconds % 60)}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** A cost in USD (`$0.0123`); an em dash when unknown. */
export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined) return '—';
  return `$${cost < 1 ? cost.toFixed(4) : cost.toFixed(2)}`;
}

/** A fraction as a percentage (`87.5%`); an em dash when unknown. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${Math.round(value * 1000) / 10}%`;
}

/** Milliseconds as `1h 2m`, `3m 4s`, `5.6s` or `78ms`; an em dash when unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return formatDuration(new Date(0).toISOString(), new Date(ms).toISOString());
}

/** A token count with thousands separators; an em dash when unknown or 0. */
export function formatTokens(tokens: number | null | undefined): string {
  return tokens ? tokens.toLocaleString('en') : '—';
}
