// The viewer's pages and their URLs: plain paths, so every page is a link that opens in a new tab and
// survives a reload (the server answers index.html on each of them).

/** Which page a path shows. */
export type Route =
  | { page: 'jobs' }
  | { page: 'job'; id: string }
  | { page: 'trace'; id: string }
  | { page: 'leaderboard'; taskset: string }
  | { page: 'not-found'; path: string };

/**
 * The route of `pathname` (`/`, `/jobs`, `/jobs/<id>`, `/traces/<id>`, `/tasksets/<x>/leaderboard`, whose
 * short form `/tasksets/<x>` shows the same page).
 */
export function routeOf(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'jobs')) return { page: 'jobs' };
  if (parts.length === 2 && parts[0] === 'jobs') return { page: 'job', id: parts[1] as string };
  if (parts.length === 2 && parts[0] === 'traces') return { page: 'trace', id: parts[1] as string };
  const board = parts.length === 2 || (parts.length === 3 && parts[2] === 'leaderboard');
  if (parts[0] === 'tasksets' && board) {
    return { page: 'leaderboard', taskset: parts[1] as string };
  }
  return { page: 'not-found', path: pathname };
}

/** The URL of a job's page. */
export const jobHref = (id: string): string => `/jobs/${encodeURIComponent(id)}`;
/** The URL of a trace's page. */
export const traceHref = (id: string): string => `/traces/${encodeURIComponent(id)}`;

/**
 * The URL of a taskset's leaderboard (by id or name): `/tasksets/<x>`, the path both servers answer with
 * the pages (`/tasksets/<x>/leaderboard` shows the same page where a server answers it).
 */
export const leaderboardHref = (taskset: string): string =>
  `/tasksets/${encodeURIComponent(taskset)}`;

/** `path` with the query `params` (empty values left out). */
export function withQuery(path: string, params: Record<string, string | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  return search.size > 0 ? `${path}?${search}` : path;
}

/** Sets (or, for '', removes) a query parameter of the current URL without a reload or a history entry. */
export function setQueryParam(name: string, value: string): void {
  const url = new URL(window.location.href);
  if (value === '') url.searchParams.delete(name);
  else url.searchParams.set(name, value);
  window.history.replaceState(null, '', url);
}

/** A query parameter of the current URL ('' when absent). */
export function queryParam(name: string): string {
  return new URL(window.location.href).searchParams.get(name) ?? '';
}
