import { useMemo, useState } from 'preact/hooks';
import type { JobSummary, TraceSummary, ViewerApi } from '../api.js';
import { ErrorNote } from '../error-note.js';
import { download, matrixCsv, matrixJson } from '../export.js';
import { useJobRuns } from '../job-runs.js';
import { useLoad } from '../load.js';
import {
  formatCost,
  formatMs,
  formatPercent,
  formatReward,
  formatTokens,
  jobMatrix,
} from '../model.js';
import { qaByTrace } from '../qa.js';
import { leaderboardHref, queryParam, setQueryParam } from '../route.js';
import { compareJobs, jobFigures, type RowFilter, rowShown, taskStats } from '../stats.js';
import { CompareView } from './job-compare.js';
import { Matrix, type ShownRow } from './job-matrix.js';

const FILTERS: { value: RowFilter; label: string }[] = [
  { value: '', label: 'all tasks' },
  { value: 'passed', label: 'with a passed run' },
  { value: 'failed', label: 'with a failed run' },
  { value: 'errored', label: 'with an errored run' },
  { value: 'changed', label: 'changed vs baseline' },
];

/** The matrix rows of `traces` with each task's statistics. */
function shape(traces: readonly TraceSummary[]) {
  const matrix = jobMatrix(traces);
  const rows: ShownRow[] = matrix.rows.map((row) => ({ row, stats: taskStats(row) }));
  return { rows, width: matrix.width };
}

/** A job id typed into a form field, kept in the URL under `name`. */
function JobIdField(props: {
  name: string;
  label: string;
  value: string;
  set: (v: string) => void;
}) {
  return (
    <form
      class="job-id-field"
      onSubmit={(event) => {
        event.preventDefault();
        const input = (event.currentTarget as HTMLFormElement).elements.namedItem(props.name);
        const value = (input as HTMLInputElement).value.trim();
        props.set(value);
        setQueryParam(props.name, value);
      }}
    >
      <label>
        {props.label}{' '}
        <input name={props.name} placeholder="job id" value={props.value} autocomplete="off" />
      </label>
      <button type="submit">{props.value ? 'change' : 'set'}</button>
      {props.value ? (
        <button
          type="button"
          onClick={() => {
            props.set('');
            setQueryParam(props.name, '');
          }}
        >
          clear
        </button>
      ) : null}
    </form>
  );
}

function Facts({ meta, traces }: { meta: JobSummary; traces: ReturnType<typeof shape> }) {
  const figures = jobFigures(traces.rows.map((row) => row.stats));
  const tasksetKey = meta.taskset_name ?? meta.taskset_id;
  return (
    <dl class="facts">
      <dt>status</dt>
      <dd class={`status status-${meta.status}`}>{meta.status}</dd>
      <dt>taskset</dt>
      <dd>
        {tasksetKey ? <a href={leaderboardHref(tasksetKey)}>{tasksetKey} (leaderboard)</a> : '—'}
      </dd>
      <dt>agent / model</dt>
      <dd>{[meta.agent, meta.model].filter(Boolean).join(' / ') || '—'}</dd>
      <dt>runs</dt>
      <dd class="runs">
        {figures.runs - figures.pending}
        {meta.total_count ? `/${meta.total_count}` : `/${figures.runs}`} done ({figures.passed}{' '}
        passed, {figures.failed} failed, {figures.errored} errored)
      </dd>
      <dt>mean reward</dt>
      <dd class="reward">{formatReward(figures.mean ?? meta.reward)}</dd>
      <dt>success rate</dt>
      <dd>{formatPercent(figures.successRate ?? meta.success_rate)}</dd>
      <dt>pass@{meta.group}</dt>
      <dd>{formatPercent(figures.passAtK ?? meta.pass_at_k)}</dd>
      <dt>tokens</dt>
      <dd>
        {(meta.input_tokens ?? 0) + (meta.output_tokens ?? 0) > 0
          ? `${formatTokens(meta.input_tokens)} in / ${formatTokens(meta.output_tokens)} out`
          : '—'}
      </dd>
      <dt>cost</dt>
      <dd>{formatCost(meta.cost_usd)}</dd>
      <dt>duration</dt>
      <dd>{formatMs(meta.duration_ms)}</dd>
    </dl>
  );
}

/**
 * `/jobs/<id>`: the job's figures and its task × attempt matrix (windowed), live while it runs.
 * `?filter=` passed|failed|errored|changed, `?baseline=<job>` (what `changed` compares with),
 * `?compare=<job>` (the tasks of both side by side, sorted by change); export of the shown rows.
 */
export function JobPage({ api, id }: { api: ViewerApi; id: string }) {
  const [filter, setFilter] = useState(queryParam('filter') as RowFilter);
  const [baselineId, setBaselineId] = useState(queryParam('baseline'));
  const [compareId, setCompareId] = useState(queryParam('compare'));
  const [version, setVersion] = useState(0);
  const job = useLoad(`job:${id}:${version}`, () => api.job(id), true);
  const terminal = job.value?.status === 'completed' || job.value?.status === 'cancelled';
  const runs = useJobRuns(api, id, job.value !== undefined && !terminal, () =>
    setVersion((value) => value + 1),
  );
  // QA verdicts (none from a server without the QA routes), read again as the job changes
  const qa = useLoad(`qa:${id}:${version}`, () => api.jobQa(id), true);
  const qaMap = useMemo(() => qaByTrace(qa.value ?? []), [qa.value]);
  const baseline = useJobRuns(api, baselineId || null, false);
  const other = useJobRuns(api, compareId || null, false);
  const shaped = useMemo(() => shape(runs.traces), [runs.traces]);
  const baselineStats = useMemo(
    () => new Map(shape(baseline.traces).rows.map(({ stats }) => [stats.slug, stats])),
    [baseline.traces],
  );
  const compared = useMemo(
    () =>
      compareId
        ? compareJobs(
            shaped.rows.map((row) => row.stats),
            shape(other.traces).rows.map((row) => row.stats),
          )
        : [],
    [shaped, other.traces, compareId],
  );
  if (job.error) return <ErrorNote error={job.error} />;
  if (!job.value) return <p class="loading">Loading job…</p>;
  const meta = job.value;
  // `changed` waits for the whole baseline (a half-read one would call every task changed)
  const shown = shaped.rows.filter((row) =>
    rowShown(row.stats, filter, baselineId && baseline.complete ? baselineStats : undefined),
  );
  const exportAs = (kind: 'json' | 'csv') => {
    const rows = shown.map((row) => row.row);
    const stats = shown.map((row) => row.stats);
    if (kind === 'json') {
      const body = JSON.stringify(matrixJson(meta, rows, stats), null, 2);
      download(`job-${id}.json`, body, 'application/json');
    } else download(`job-${id}.csv`, matrixCsv(rows, stats, shaped.width), 'text/csv');
  };
  return (
    <section>
      <p class="crumbs">
        <a href="/jobs">Jobs</a> /
      </p>
      <h1>
        {meta.name || meta.id}
        {runs.stream === 'open' ? <span class="badge live">live</span> : null}
        {runs.stream === 'retrying' ? <span class="badge">reconnecting…</span> : null}
      </h1>
      <Facts meta={meta} traces={shaped} />
      {runs.error ? <ErrorNote error={runs.error} /> : null}
      <div class="filters">
        <select
          name="filter"
          value={filter}
          onChange={(event) => {
            const value = (event.currentTarget as HTMLSelectElement).value as RowFilter;
            setFilter(value);
            setQueryParam('filter', value);
          }}
        >
          {FILTERS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
        <JobIdField name="baseline" label="baseline" value={baselineId} set={setBaselineId} />
        <JobIdField name="compare" label="compare with" value={compareId} set={setCompareId} />
        <button type="button" class="export-json" onClick={() => exportAs('json')}>
          Export JSON
        </button>
        <button type="button" class="export-csv" onClick={() => exportAs('csv')}>
          Export CSV
        </button>
      </div>
      {filter === 'changed' && !baselineId ? (
        <p class="empty">Set a baseline job to see the changed tasks.</p>
      ) : null}
      {baseline.error ? <ErrorNote error={baseline.error} /> : null}
      {baselineId && !baseline.complete && !baseline.error ? (
        <p class="loading">Loading the baseline…</p>
      ) : null}
      {compareId ? (
        <>
          <h2>
            Compared with {compareId.slice(0, 12)}{' '}
            <span class="count">({compared.length} tasks)</span>
          </h2>
          {other.error ? <ErrorNote error={other.error} /> : null}
          {!other.complete && !other.error ? <p class="loading">Loading the other job…</p> : null}
          <CompareView rows={compared} id={id} otherId={compareId} />
        </>
      ) : (
        <>
          <h2>
            Tasks × attempts{' '}
            <span class="count">
              ({shown.length === shaped.rows.length ? '' : `${shown.length} of `}
              {shaped.rows.length} tasks)
            </span>
          </h2>
          <Matrix rows={shown} width={shaped.width} qa={qaMap} />
        </>
      )}
      {!runs.complete && !runs.error ? <p class="loading">Loading runs…</p> : null}
    </section>
  );
}
