/**
 * Whether `value` is an object with string keys as JSON has them: not `null`, not an array (a `Date` or a
 * class instance passes too; callers that must refuse those check for them).
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The message of a thrown value, for a log line or an error text: `error.message` for an `Error`,
 * `String(error)` for anything else thrown.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether `value` is an object marked with `brand` (`value[brand] === true`): how the `isInstance` of
 * hud-ts's error classes recognises an instance made by another install of the same package, where
 * `instanceof` fails. The brand is a `Symbol.for` key, the same in every copy.
 */
export function hasBrand(value: unknown, brand: symbol): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  );
}
