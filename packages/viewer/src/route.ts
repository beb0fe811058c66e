// The viewer's pages and their URLs: plain paths, so every page is a link that opens in a new tab and
// survives a reload (the server answers index.html on each of them).

/** Which page a path shows. */
export type Route =
  | { page: 'jobs' }
  | { page: 'job'; id: string }
  | { page: 'trace'; id: string }
  | { page: 'not-found'; path: string };

/** The route of `pathname` (`/`, `/jobs`, `/jobs/<id>`, `/traces/<id>`). */
export function routeOf(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'jobs')) return { page: 'jobs' };
  if (parts.length === 2 && parts[0] === 'jobs') return { page: 'job', id: parts[1] as string };
  if (parts.length === 2 && parts[0] === 'traces') return { page: 'trace', id: parts[1] as string };
  return { page: 'not-found', path: pathname };
}

/** The URL of a job's page. */
export const jobHref = (id: string): string => `/jobs/${encodeURIComponent(id)}`;
/** The URL of a trace's page. */
export const traceHref = (id: string): string => `/traces/${encodeURIComponent(id)}`;

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
