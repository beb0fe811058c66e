import { describe, expect, it } from 'vitest';
import { parseLimit, recordSource } from './jobs-source.js';

describe('recordSource', () => {
  const withKey = { HUD_API_KEY: 'hud-k', HUD_API_URL: 'http://127.0.0.1:7600' };

  it('reads the platform when HUD_API_KEY is set, at HUD_API_URL', () => {
    expect(recordSource({}, withKey)?.urls.api).toBe('http://127.0.0.1:7600');
  });

  it('reads the local store without a key, with --local, or with --store', () => {
    expect(recordSource({}, { HUD_API_URL: 'http://127.0.0.1:7600', HUD_API_KEY: ' ' })).toBe(
      undefined,
    );
    expect(recordSource({ local: true }, withKey)).toBe(undefined);
    expect(recordSource({ store: 'elsewhere' }, withKey)).toBe(undefined);
  });
});

describe('parseLimit', () => {
  it('takes 20 by default and whole numbers from 1 to 500', () => {
    expect(parseLimit(undefined)).toBe(20);
    expect(parseLimit('5')).toBe(5);
    for (const bad of ['0', '501', '2.5', 'ten']) {
      expect(() => parseLimit(bad)).toThrow(
        `--limit must be a whole number from 1 to 500, got '${bad}'`,
      );
    }
  });
});
