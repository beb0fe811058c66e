import { describe, expect, it } from 'vitest';
import { jobHref, leaderboardHref, routeOf, traceHref, withQuery } from './route.js';

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

describe('leaderboard and query links', () => {
  it('routes a taskset leaderboard by id or name and builds shareable query links', () => {
    expect(routeOf('/tasksets/word%20stats/leaderboard')).toEqual({
      page: 'leaderboard',
      taskset: 'word stats',
    });
    expect(routeOf('/tasksets/ts-1')).toEqual({ page: 'leaderboard', taskset: 'ts-1' });
    expect(routeOf('/tasksets/a/b')).toEqual({ page: 'not-found', path: '/tasksets/a/b' });
    expect(leaderboardHref('word stats')).toBe('/tasksets/word%20stats');
    expect(routeOf(leaderboardHref('word stats'))).toEqual({
      page: 'leaderboard',
      taskset: 'word stats',
    });
    expect(withQuery('/jobs/j', { compare: 'k', baseline: '', filter: null })).toBe(
      '/jobs/j?compare=k',
    );
  });
});
