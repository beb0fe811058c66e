import { useEffect, useState } from 'preact/hooks';

/** What {@link useLoad} has: the value once loaded, or the error that stopped it. */
export interface Loaded<T> {
  value: T | undefined;
  error: unknown;
}

/**
 * Runs `load` when `key` changes and keeps its result; `load` may call `update` with partial results.
 * With `keep`, the previous value stays shown while the new one loads (a refresh, not a new page).
 */
export function useLoad<T>(
  key: string,
  load: (update: (value: T) => void) => Promise<T>,
  keep = false,
): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ value: undefined, error: undefined });
  useEffect(() => {
    let live = true;
    if (!keep) setState({ value: undefined, error: undefined });
    const update = (value: T) => live && setState({ value, error: undefined });
    load(update).then(update, (error: unknown) => live && setState({ value: undefined, error }));
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}
