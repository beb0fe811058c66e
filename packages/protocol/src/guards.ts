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
