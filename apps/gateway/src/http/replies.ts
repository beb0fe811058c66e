import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { GatewayError, messageOf } from '../errors.js';

/**
 * The body of every error answer: `{error: {code, message}}`, plus `detail` (the same message) because
 * hud-python's `HudRequestError` shows a response's `detail` to the user.
 */
export interface ErrorBody {
  error: { code: string; message: string };
  detail: string;
}

/** Node and PostgreSQL error codes meaning "the database cannot be reached right now". */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE']);
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300)/;

/** `telemetry[3].span_id` for a validation issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : `${text ? '.' : ''}${String(part)}`;
  }
  return text || '(the whole value)';
}

/** The first issues of a failed validation as one line: `path: message; path: message`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string {
  const shown = issues.slice(0, limit).map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
  const more = issues.length > limit ? `; and ${issues.length - limit} more` : '';
  return `${shown.join('; ')}${more}`;
}

/**
 * `value` parsed by `schema`.
 * @throws GatewayError `invalid_request` naming `where` (`body`, `query`) and each failing field.
 */
export function parseWith<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  where: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new GatewayError(
      'invalid_request',
      `invalid ${where}: ${describeIssues(result.error.issues)}`,
    );
  }
  return result.data;
}

/** The GatewayError an arbitrary failure is answered as. */
export function toGatewayError(error: unknown, request: FastifyRequest): GatewayError {
  if (GatewayError.isInstance(error)) return error;
  const fastifyError = error as Partial<FastifyError> | null;
  const status = fastifyError?.statusCode;
  if (status === 413) {
    return new GatewayError(
      'payload_too_large',
      `request body over this route's limit of ${request.routeOptions.bodyLimit ?? '?'} bytes`,
      { cause: error },
    );
  }
  if (status === 415) {
    return new GatewayError(
      'unsupported_media_type',
      `unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/json`,
      { cause: error },
    );
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const what = error instanceof SyntaxError ? 'request body is not valid JSON: ' : '';
    return new GatewayError('invalid_request', `${what}${messageOf(error)}`, { cause: error });
  }
  const code = String(fastifyError?.code ?? '');
  if (UNAVAILABLE.has(code) || UNAVAILABLE_SQLSTATE.test(code)) {
    return new GatewayError(
      'unavailable',
      'the gateway cannot reach its database right now; retry shortly',
      { cause: error },
    );
  }
  return new GatewayError(
    'internal',
    'internal error (logged by the gateway); retry or report it',
    {
      cause: error,
    },
  );
}

/** Answers every failure as {@link ErrorBody} with its status; logs 5xx with their cause. */
export function installErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const failure = toGatewayError(error, request);
    if (failure.statusCode >= 500) request.log.error({ err: error }, failure.message);
    const body: ErrorBody = {
      error: { code: failure.code, message: failure.message },
      detail: failure.message,
    };
    return reply.status(failure.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const message = `no route ${request.method} ${request.url.split('?')[0]}`;
    const body: ErrorBody = { error: { code: 'not_found', message }, detail: message };
    return reply.status(404).send(body);
  });
}
