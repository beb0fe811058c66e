import { describe, expect, it } from 'vitest';
import { jobHref, routeOf, traceHref } from './route.js';

describe('routeOf', () => {
  it('maps the page paths and their links back', () => {
    expect(routeOf('/')).toEqual({ page: 'jobs' });
    expect(routeOf('/jobs')).toEqual({ page: 'jobs' });
    expect(routeOf('/jobs/')).toEqual({ page: 'jobs' });
    expect(routeOf(jobHref('ab12'))).toEqual({ page: 'job', id: 'ab12' });
    expect(routeOf(traceHref('a b'))).toEqual({ page: 'trace', id: 'a b' });
    expect(routeOf('/nope/1/2')).toEqual({ page: 'not-found', path: '/nope/1/2' });
  });
});
