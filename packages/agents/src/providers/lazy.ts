/**
 * `make`, called on the first call of the returned function only; later calls return the same value (for a
 * conversation's SDK client, built at its first model call).
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
