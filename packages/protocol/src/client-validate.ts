import type { z } from 'zod';
import { pyRepr } from './client-repr.js';
import { ProtocolError } from './errors.js';

/**
 * Checks a reply's `result` against its wire schema.
 * @returns the schema's output (with its transforms applied).
 * @throws ProtocolError -32603 naming the method and the first issue (path and message).
 */
export function parseResult<Schema extends z.ZodType>(
  schema: Schema,
  method: string,
  result: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(result);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
  throw new ProtocolError(
    -32603,
    `${pyRepr(method)}: malformed result: ${where}${issue?.message ?? parsed.error.message}`,
    { cause: parsed.error },
  );
}

/**
 * Like {@link parseResult} but returns `result` itself, untouched (key order as on the wire), for schemas
 * that only validate.
 */
export function checkResult<Schema extends z.ZodType>(
  schema: Schema,
  method: string,
  result: unknown,
): z.output<Schema> {
  parseResult(schema, method, result);
  return result as z.output<Schema>;
}
