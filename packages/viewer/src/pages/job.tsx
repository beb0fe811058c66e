import type { TraceSummary, ViewerApi } from '../api.js';
import { ErrorNote } from '../error-note.js';
import { useLoad } from '../load.js';
import { formatCost, formatReward, jobMatrix, type MatrixRow, rewardColour } from '../model.js';
import { traceHref } from '../route.js';
import { WindowedList } from '../windowed-list.js';

const ROW_HEIGHT = 30;

function Cell({ trace }: { trace: TraceSummary | undefined }) {
  if (!trace) return <span class="cell cell-empty" />;
  const errored = trace.status === 'error';
  const title = `${trace.task_slug ?? ''} · ${trace.status} · reward ${formatReward(trace.reward)}${
    trace.error ? `\n${trace.error}` : ''
  }`;
  return (
    <a
      class={`cell${errored ? ' cell-error' : ''}`}
      href={traceHref(trace.id)}
      title={title}
      data-trace={trace.id}
      style={{ background: errored ? '#f3c4c4' : rewardColour(trace.reward) }}
    >
      {errored ? '!' : formatReward(trace.reward)}
    </a>
  );
}

function Row({ row, width }: { row: MatrixRow; width: number }) {
  return (
    <div class="matrix-row" data-task={row.slug}>
      <span class="slug" title={row.slug}>
        {row.slug}
      </span>
      <span class="num mean" style={{ background: rewardColour(row.mean) }}>
        {formatReward(row.mean)}
      </span>
      <span class="cells">
        {Array.from({ length: width }, (_, index) => (
          <Cell key={index} trace={row.attempts[index]} />
        ))}
      </span>
    </div>
  );
}

/** `/jobs/<id>`: the job's totals and its task × attempt matrix (each cell links to its trace). */
export function JobPage({ api, id }: { api: ViewerApi; id: string }) {
  const job = useLoad(`job:${id}`, () => api.job(id));
  const traces = useLoad<TraceSummary[]>(`traces:${id}`, (update) =>
    api.allJobTraces(id, (sofar) => update([...sofar])),
  );
  if (job.error) return <ErrorNote error={job.error} />;
  if (!job.value) return <p class="loading">Loading job…</p>;
  const meta = job.value;
  const matrix = jobMatrix(traces.value ?? []);
  return (
    <section>
      <p class="crumbs">
        <a href="/jobs">Jobs</a> /
      </p>
      <h1>{meta.name || meta.id}</h1>
      <dl class="facts">
        <dt>status</dt>
        <dd class={`status status-${meta.status}`}>{meta.status}</dd>
        <dt>taskset</dt>
        <dd>{meta.taskset_name ?? '—'}</dd>
        <dt>agent / model</dt>
        <dd>{[meta.agent, meta.model].filter(Boolean).join(' / ') || '—'}</dd>
        <dt>runs</dt>
        <dd>
          {meta.trace_count}
          {meta.total_count ? `/${meta.total_count}` : ''}
        </dd>
        <dt>mean reward</dt>
        <dd class="reward">{formatReward(meta.reward)}</dd>
        <dt>errors</dt>
        <dd>{meta.error_count}</dd>
        <dt>cost</dt>
        <dd>{formatCost(meta.cost_usd)}</dd>
      </dl>
      {traces.error ? <ErrorNote error={traces.error} /> : null}
      <h2>
        Tasks × attempts <span class="count">({matrix.rows.length} tasks)</span>
      </h2>
      <div class="matrix-head">
        <span class="slug">task</span>
        <span class="num mean">mean</span>
        <span class="cells">
          {Array.from({ length: matrix.width }, (_, index) => (
            <span key={index} class="cell cell-head">
              #{index + 1}
            </span>
          ))}
        </span>
      </div>
      <WindowedList
        items={matrix.rows}
        rowHeight={ROW_HEIGHT}
        render={(row) => <Row row={row} width={matrix.width} />}
      />
      {!traces.value ? <p class="loading">Loading runs…</p> : null}
    </section>
  );
}
