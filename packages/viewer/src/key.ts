// The API key the gateway's pages send as a Bearer token, kept in this browser only. `hud view` needs none.
const STORAGE_KEY = 'hud.viewer.apiKey';

/** The saved key, or null. */
export function savedKey(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Saves `key` ('' forgets it). */
export function saveKey(key: string): void {
  if (key === '') window.localStorage.removeItem(STORAGE_KEY);
  else window.localStorage.setItem(STORAGE_KEY, key);
}
