import { useState } from 'preact/hooks';
import type { JobSummary, ViewerApi } from '../api.js';
import { ErrorNote } from '../error-note.js';
import { useLoad } from '../load.js';
import { formatCost, formatDuration, formatReward } from '../model.js';
import { jobHref, queryParam, setQueryParam } from '../route.js';

const PAGE = 100;

/** Whether `job` passes the name search `query` and the `status` filter (both '' = any). */
export function jobMatches(job: JobSummary, query: string, status: string): boolean {
  const text = `${job.name ?? ''} ${job.taskset_name ?? ''} ${job.id}`.toLowerCase();
  return text.includes(query.trim().toLowerCase()) && (status === '' || job.status === status);
}

function JobRow({ job }: { job: JobSummary }) {
  const total = job.total_count ?? null;
  const tokens = (job.input_tokens ?? 0) + (job.output_tokens ?? 0);
  return (
    <tr data-job={job.id}>
      <td>
        <a href={jobHref(job.id)}>{job.name || job.id}</a>
      </td>
      <td>{job.taskset_name ?? '—'}</td>
      <td>{[job.agent, job.model].filter(Boolean).join(' / ') || '—'}</td>
      <td class={`status status-${job.status}`}>{job.status}</td>
      <td class="num">{total === null ? job.trace_count : `${job.trace_count}/${total}`}</td>
      <td class="num reward">{formatReward(job.reward)}</td>
      <td class="num">{job.error_count}</td>
      <td class="num">{tokens > 0 ? tokens.toLocaleString('en') : '—'}</td>
      <td class="num">{formatCost(job.cost_usd)}</td>
      <td class="num">{formatDuration(job.created_at, job.updated_at)}</td>
    </tr>
  );
}

/** `/jobs`: the jobs, newest first, a page at a time; `?q=` searches names, `?status=` filters. */
export function JobsPage({ api }: { api: ViewerApi }) {
  const [query, setQuery] = useState(queryParam('q'));
  const [status, setStatus] = useState(queryParam('status'));
  const [more, setMore] = useState<{ items: JobSummary[]; cursor: string | null } | null>(null);
  const first = useLoad('jobs', () => api.listJobs({ limit: PAGE }));
  if (first.error) return <ErrorNote error={first.error} />;
  if (!first.value) return <p class="loading">Loading jobs…</p>;
  const jobs = [...first.value.items, ...(more?.items ?? [])];
  const cursor = more ? more.cursor : first.value.next_cursor;
  const shown = jobs.filter((job) => jobMatches(job, query, status));
  const loadMore = async () => {
    if (!cursor) return;
    const page = await api.listJobs({ limit: PAGE, cursor });
    setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
  };
  return (
    <section>
      <h1>Jobs</h1>
      <div class="filters">
        <input
          type="search"
          name="q"
          placeholder="Search by name"
          value={query}
          onInput={(event) => {
            const value = (event.currentTarget as HTMLInputElement).value;
            setQuery(value);
            setQueryParam('q', value);
          }}
        />
        <select
          name="status"
          value={status}
          onChange={(event) => {
            const value = (event.currentTarget as HTMLSelectElement).value;
            setStatus(value);
            setQueryParam('status', value);
          }}
        >
          <option value="">any status</option>
          <option value="running">running</option>
          <option value="completed">completed</option>
          <option value="cancelled">cancelled</option>
          <option value="pending">pending</option>
        </select>
        <span class="count">
          {shown.length} of {jobs.length}
          {cursor ? '+' : ''} jobs
        </span>
      </div>
      <table class="jobs">
        <thead>
          <tr>
            <th>name</th>
            <th>taskset</th>
            <th>agent / model</th>
            <th>status</th>
            <th>runs</th>
            <th>mean reward</th>
            <th>errors</th>
            <th>tokens</th>
            <th>cost</th>
            <th>duration</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((job) => (
            <JobRow key={job.id} job={job} />
          ))}
        </tbody>
      </table>
      {shown.length === 0 ? <p class="empty">No job matches.</p> : null}
      {cursor ? (
        <button type="button" onClick={loadMore}>
          Load {PAGE} more
        </button>
      ) : null}
    </section>
  );
}
