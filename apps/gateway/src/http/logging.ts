import type { FastifyInstance, FastifyServerOptions } from 'fastify';

/** Query parameters whose values never reach a log line. */
const SECRET_PARAMS = /([?&](?:api_key|key|token|device_code)=)[^&#]*/gi;

/** `url` with the values of secret query parameters (`api_key`, …) replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

/** Log level names fastify's logger (pino) knows. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * The logger options of the gateway's fastify instance: JSON lines to `stream` at `level`. Keys never
 * reach a line: requests are logged as method, redacted URL and status only (no headers, no bodies), and
 * pino's redaction censors any `authorization` header or `api_key` field that an error object carries.
 */
export function loggerOptions(
  level: LogLevel,
  stream: NodeJS.WritableStream,
): FastifyServerOptions['logger'] {
  return {
    level,
    stream,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'err.config.headers.authorization',
        '*.api_key',
        'api_key',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: { method?: string; url?: string; ip?: string }) => ({
        method: request.method,
        url: redactUrl(request.url ?? ''),
        remoteAddress: request.ip,
      }),
    },
  };
}

/** Logs every answered request at `debug`: method, redacted URL, status, milliseconds. */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    if (request.log.level !== 'debug' && request.log.level !== 'trace') return;
    request.log.debug(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
}
