/**
 * The CLI's client for the HUD platform API (hud.ai or a self-hosted `hud gateway`): JSON over HTTP with
 * `Authorization: Bearer <HUD_API_KEY>`, errors as {@link PlatformError} naming the request and the
 * platform's own message (`{error: {code, message}}` from the gateway, `{detail}` from hud.ai), retries of
 * connection failures and 502/503/504 answers (hud-python retries the same statuses, spec §8.4). The key
 * never appears in a message.
 */
import { brandedError } from '@hud/protocol';
import pRetry, { AbortError } from 'p-retry';
import type { z } from 'zod';
import { type PlatformUrls, platformUrls } from './urls.js';

/** What went wrong talking to the platform. */
export type PlatformErrorCode =
  /** No `HUD_API_KEY` where one is needed. */
  | 'no_api_key'
  /** 401: the key is unknown, revoked or malformed. */
  | 'unauthorized'
  /** 403: the key may not do this. */
  | 'forbidden'
  /** 404: no such job, trace, taskset, … */
  | 'not_found'
  /** 409: a conflict (a taken name, a state that no longer applies). */
  | 'conflict'
  /** Another 4xx: the request was refused (the message has the platform's reason). */
  | 'rejected'
  /** 5xx after the retries, or the platform could not be reached. */
  | 'unavailable'
  /** A 2xx answer that is not the JSON shape expected. */
  | 'bad_response';

/** A failed platform request; `status` is the HTTP status when there was an answer. */
export class PlatformError extends brandedError('PlatformError', 'hud.platform-error') {
  readonly code: PlatformErrorCode;
  readonly status: number | undefined;
  constructor(
    code: PlatformErrorCode,
    message: string,
    options?: ErrorOptions & { status?: number },
  ) {
    super(message, options);
    this.code = code;
    this.status = options?.status;
  }
}

/** Which base URL a path is under. */
export type PlatformBase = keyof PlatformUrls;

/** One request of {@link PlatformClient.request}. */
export interface PlatformRequest<T> {
  /** JSON body (objects and arrays), or raw bytes/text sent as given with `contentType`. */
  body?: unknown;
  contentType?: string;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Base URL (default `api`). */
  base?: PlatformBase;
  /** Checks the JSON answer; without it the parsed JSON is returned as is. */
  schema?: z.ZodType<T>;
  /** Send the key (default true; the device flow's routes go without). */
  auth?: boolean;
  /** Retry connection failures and 502/503/504 (default: GET, PUT and DELETE only). */
  retry?: boolean;
  signal?: AbortSignal;
}

/** Options of {@link PlatformClient}. */
export interface PlatformClientOptions {
  urls: PlatformUrls;
  /** `HUD_API_KEY`; requests that need it fail with `no_api_key` without it. */
  apiKey?: string | undefined;
  /** Retries after the first attempt (default 3); backoff 250 ms doubling. */
  retries?: number;
  /** Per-attempt timeout, ms (default 30,000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const RETRY_STATUSES = new Set([502, 503, 504]);

const CODE_OF_STATUS: Record<number, PlatformErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
};

/** The platform's own message from an error body: gateway `{error: {message}}`, FastAPI `{detail}`. */
function messageOfBody(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: unknown };
    if (typeof body.error === 'object' && typeof body.error?.message === 'string')
      return body.error.message;
    if (typeof body.error === 'string') return body.error;
    if (typeof body.detail === 'string') return body.detail;
    if (body.detail !== undefined) return JSON.stringify(body.detail);
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 500) || '(empty body)';
}

/** Client of the platform API for one set of URLs and one key. */
export class PlatformClient {
  readonly urls: PlatformUrls;
  readonly #apiKey: string | undefined;
  readonly #retries: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: PlatformClientOptions) {
    this.urls = options.urls;
    this.#apiKey = options.apiKey?.trim() || undefined;
    this.#retries = options.retries ?? 3;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** True when a key is configured. */
  get hasKey(): boolean {
    return this.#apiKey !== undefined;
  }

  /** `base` + `path` + the query string. */
  url(path: string, base: PlatformBase = 'api', query?: PlatformRequest<unknown>['query']): URL {
    const url = new URL(`${this.urls[base]}${path.startsWith('/') ? path : `/${path}`}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /**
   * Sends one request and returns its JSON answer (undefined for an empty body).
   * @throws PlatformError `no_api_key` when the key is needed and missing; `unauthorized`, `forbidden`,
   *   `not_found`, `conflict`, `rejected` for 4xx answers; `unavailable` when the platform cannot be
   *   reached or keeps answering 5xx; `bad_response` when the answer fails `schema`.
   */
  async request<T = unknown>(
    method: string,
    path: string,
    request: PlatformRequest<T> = {},
  ): Promise<T> {
    const url = this.url(path, request.base, request.query);
    const where = `${method} ${url.origin}${url.pathname}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.auth ?? true) {
      if (this.#apiKey === undefined) {
        throw new PlatformError(
          'no_api_key',
          `HUD_API_KEY is not set: run \`hud login\` or \`hud set HUD_API_KEY=<key>\` (needed for ${where})`,
        );
      }
      headers.authorization = `Bearer ${this.#apiKey}`;
    }
    let body: string | Uint8Array | undefined;
    if (request.body !== undefined) {
      if (
        typeof request.body === 'string' ||
        request.body instanceof Uint8Array ||
        request.body instanceof ArrayBuffer
      ) {
        body =
          request.body instanceof ArrayBuffer
            ? new Uint8Array(request.body)
            : (request.body as string | Uint8Array);
        headers['content-type'] = request.contentType ?? 'application/octet-stream';
      } else {
        body = JSON.stringify(request.body);
        headers['content-type'] = 'application/json';
      }
    }
    const retry = request.retry ?? ['GET', 'PUT', 'DELETE', 'HEAD'].includes(method);
    const attempt = async (): Promise<Response> => {
      const signals = [AbortSignal.timeout(this.#timeoutMs)];
      if (request.signal) signals.push(request.signal);
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method,
          headers,
          body,
          signal: AbortSignal.any(signals),
        });
      } catch (cause) {
        const error = new PlatformError(
          'unavailable',
          `${where} failed: ${(cause as Error).message}${(cause as { cause?: { code?: string } }).cause?.code ? ` (${(cause as { cause: { code: string } }).cause.code})` : ''}`,
          { cause },
        );
        if (request.signal?.aborted) throw new AbortError(error);
        throw error;
      }
      if (response.ok) return response;
      const message = messageOfBody(await response.text());
      const status = response.status;
      const code: PlatformErrorCode =
        CODE_OF_STATUS[status] ?? (status >= 500 ? 'unavailable' : 'rejected');
      const text =
        code === 'unauthorized'
          ? `${url.origin} rejected the API key (401 on ${url.pathname}: ${message}); run \`hud login\` or set HUD_API_KEY to a valid key`
          : `${where} answered ${status}: ${message}`;
      const error = new PlatformError(code, text, { status });
      if (!RETRY_STATUSES.has(status)) throw new AbortError(error);
      throw error;
    };
    const response = retry
      ? await pRetry(attempt, {
          retries: this.#retries,
          minTimeout: 250,
          factor: 2,
          randomize: true,
          ...(request.signal ? { signal: request.signal } : {}),
        })
      : await attempt().catch((error: unknown) => {
          // p-retry's AbortError keeps the wrapped error as `originalError`.
          throw error instanceof AbortError ? (error.originalError ?? error) : error;
        });
    const text = await response.text();
    if (text === '') return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new PlatformError(
        'bad_response',
        `${where} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
        { cause, status: response.status },
      );
    }
    if (!request.schema) return json as T;
    const parsed = request.schema.safeParse(json);
    if (!parsed.success) {
      throw new PlatformError(
        'bad_response',
        `${where} answered a shape this CLI does not read: ${parsed.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ')}`,
        { status: response.status },
      );
    }
    return parsed.data;
  }

  /** `GET path`. */
  get<T = unknown>(path: string, request?: PlatformRequest<T>): Promise<T> {
    return this.request('GET', path, request);
  }

  /** `POST path` with a JSON body. */
  post<T = unknown>(path: string, body: unknown, request?: PlatformRequest<T>): Promise<T> {
    return this.request('POST', path, { ...request, body });
  }

  /** `PUT path` with a JSON body. */
  put<T = unknown>(path: string, body: unknown, request?: PlatformRequest<T>): Promise<T> {
    return this.request('PUT', path, { ...request, body });
  }

  /** `DELETE path`. */
  delete<T = unknown>(path: string, request?: PlatformRequest<T>): Promise<T> {
    return this.request('DELETE', path, request);
  }
}

/**
 * The client for the CLI's merged settings: URLs by {@link platformUrls}, the key from `HUD_API_KEY`.
 * @throws Error when a URL setting is malformed.
 */
export function platformClient(
  settings: Record<string, string | undefined>,
  options: Omit<PlatformClientOptions, 'urls' | 'apiKey'> = {},
): PlatformClient {
  return new PlatformClient({
    ...options,
    urls: platformUrls(settings),
    apiKey: settings.HUD_API_KEY,
  });
}
