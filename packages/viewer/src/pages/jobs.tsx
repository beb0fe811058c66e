import { useEffect, useState } from 'preact/hooks';
import type { JobFilters, JobSummary, ViewerApi } from '../api.js';
import { ErrorNote } from '../error-note.js';
import {
  formatCost,
  formatDuration,
  formatMs,
  formatPercent,
  formatReward,
  formatTokens,
} from '../model.js';
import { jobHref, leaderboardHref, queryParam, setQueryParam } from '../route.js';

const PAGE = 100;
/** How often the list is read again while a job on it is pending or running, ms. */
const POLL_MS = 5_000;
/** Typing pause before the search goes to the server, ms. */
const DEBOUNCE_MS = 300;

/**
 * Whether `job` passes the search `query` (substring of name, taskset, agent, model or id) and the
 * `status` and `taskset` filters ('' = any). The server filters too; this keeps an older server's list
 * filtered and the list right while a new reply is on its way.
 */
export function jobMatches(job: JobSummary, query: string, status: string, taskset = ''): boolean {
  const text = [job.name, job.taskset_name, job.agent, job.model, job.id]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return (
    text.includes(query.trim().toLowerCase()) &&
    (status === '' || job.status === status) &&
    (taskset === '' || job.taskset_name === taskset || job.taskset_id === taskset)
  );
}

/** Finished runs of a job: with a verdict or errored (older servers: all but the running ones). */
export function runsDone(job: JobSummary): number {
  if (typeof job.completed_count === 'number') return job.completed_count + job.error_count;
  return Math.max(0, job.trace_count - job.running_count);
}

function JobRow({ job }: { job: JobSummary }) {
  const total = job.total_count ?? null;
  const tokens = (job.input_tokens ?? 0) + (job.output_tokens ?? 0);
  const done = runsDone(job);
  const tasksetKey = job.taskset_name ?? job.taskset_id;
  return (
    <tr data-job={job.id}>
      <td>
        <a class="job-link" href={jobHref(job.id)}>
          {job.name || job.id}
        </a>
      </td>
      <td>{tasksetKey ? <a href={leaderboardHref(tasksetKey)}>{tasksetKey}</a> : '—'}</td>
      <td>{[job.agent, job.model].filter(Boolean).join(' / ') || '—'}</td>
      <td class={`status status-${job.status}`}>{job.status}</td>
      <td class="num runs">{total === null ? done : `${done}/${total}`}</td>
      <td class="num reward">{formatReward(job.reward)}</td>
      <td class="num pass-at-k" title={`k = ${job.group}`}>
        {formatPercent(job.pass_at_k)}
      </td>
      <td class="num success">{formatPercent(job.success_rate)}</td>
      <td class={`num errors${job.error_count > 0 ? ' has-errors' : ''}`}>{job.error_count}</td>
      <td class="num">{formatTokens(tokens)}</td>
      <td class="num">{formatCost(job.cost_usd)}</td>
      <td class="num">
        {job.duration_ms !== undefined
          ? formatMs(job.duration_ms)
          : formatDuration(job.created_at, job.updated_at)}
      </td>
    </tr>
  );
}

interface Listing {
  items: JobSummary[];
  cursor: string | null;
}

/**
 * `/jobs`: the jobs, newest first, a page at a time. `?q=` searches, `?status=` and `?taskset=` filter
 * (all three go to the server and stay in the URL); read again every few seconds while a job is live.
 */
export function JobsPage({ api }: { api: ViewerApi }) {
  const [query, setQuery] = useState(queryParam('q'));
  const [applied, setApplied] = useState(query);
  const [status, setStatus] = useState(queryParam('status'));
  const [taskset, setTaskset] = useState(queryParam('taskset'));
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const filters: JobFilters = { q: applied, status, taskset };
  const key = JSON.stringify(filters);

  useEffect(() => {
    const timer = setTimeout(() => setApplied(query), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async (first: boolean) => {
      try {
        const page = await api.listJobs({ limit: PAGE, ...filters });
        if (!live) return;
        setError(undefined);
        setListing((old) =>
          first || !old
            ? { items: page.items, cursor: page.next_cursor }
            : // a poll refreshes the first page and keeps the pages loaded after it
              { items: mergeFirstPage(old.items, page.items), cursor: old.cursor },
        );
        if (page.items.some((job) => job.status === 'running' || job.status === 'pending')) {
          timer = setTimeout(() => read(false), POLL_MS);
        }
      } catch (failure) {
        if (live) setError(failure);
      }
    };
    read(true);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);

  if (error && !listing) return <ErrorNote error={error} />;
  if (!listing) return <p class="loading">Loading jobs…</p>;
  const jobs = listing.items;
  const shown = jobs.filter((job) => jobMatches(job, applied, status, taskset));
  const loadMore = async () => {
    if (!listing.cursor) return;
    const page = await api.listJobs({ limit: PAGE, cursor: listing.cursor, ...filters });
    setListing({ items: [...listing.items, ...page.items], cursor: page.next_cursor });
  };
  const tasksets = [...new Set(jobs.map((job) => job.taskset_name).filter(Boolean))] as string[];
  if (taskset && !tasksets.includes(taskset)) tasksets.push(taskset);
  return (
    <section>
      <h1>Jobs</h1>
      <div class="filters">
        <input
          type="search"
          name="q"
          placeholder="Search name, taskset, agent, model, id"
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
        <select
          name="taskset"
          value={taskset}
          onChange={(event) => {
            const value = (event.currentTarget as HTMLSelectElement).value;
            setTaskset(value);
            setQueryParam('taskset', value);
          }}
        >
          <option value="">any taskset</option>
          {tasksets.sort().map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        {taskset ? <a href={leaderboardHref(taskset)}>leaderboard of {taskset}</a> : null}
        <span class="count">
          {shown.length} of {jobs.length}
          {listing.cursor ? '+' : ''} jobs
        </span>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      <table class="jobs">
        <thead>
          <tr>
            <th>name</th>
            <th>taskset</th>
            <th>agent / model</th>
            <th>status</th>
            <th title="finished runs / runs asked for">runs</th>
            <th>mean reward</th>
            <th title="tasks with at least one passed run (reward ≥ 1) among their k runs">
              pass@k
            </th>
            <th title="passed runs (reward ≥ 1) / runs with a verdict">success</th>
            <th title="infrastructure errors (not 0 rewards)">errors</th>
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
      {listing.cursor ? (
        <button type="button" onClick={loadMore}>
          Load {PAGE} more
        </button>
      ) : null}
    </section>
  );
}

/** `fresh` (a re-read first page) followed by the jobs of `old` it does not hold. */
export function mergeFirstPage(old: readonly JobSummary[], fresh: readonly JobSummary[]) {
  const ids = new Set(fresh.map((job) => job.id));
  return [...fresh, ...old.filter((job) => !ids.has(job.id))];
}
