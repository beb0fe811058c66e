import { HudRuntimeError, type HudRuntimeErrorCode } from './errors.js';

/** How the session routes are reached: the runtime base URL, the key, and the fetch to use. */
export interface SessionApi {
  /** `https://mcp.hud.ai` or a gateway's URL, without a trailing slash. */
  readonly runtimeUrl: string;
  readonly apiKey: string;
  readonly fetch: typeof fetch;
}

function codeFor(status: number): HudRuntimeErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'unavailable';
  return 'bad_response';
}

/** The message a refusal carries (`detail`, or `error.message`, else the body's start). */
function detailOf(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown; error?: { message?: unknown } };
    if (typeof body.detail === 'string') return body.detail;
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 300);
}

/**
 * One JSON request to `api.runtimeUrl + route` with the Bearer key; resolves the parsed answer.
 * @throws HudRuntimeError naming the method and URL: `unauthorized` (401/403), `not_found` (404),
 *   `unavailable` (5xx, or no answer: the cause says why), `bad_response` (another status, non-JSON);
 *   the signal's reason when aborted.
 */
export async function sessionRequest(
  api: SessionApi,
  method: 'POST' | 'DELETE' | 'GET',
  route: string,
  options: { body?: unknown; signal?: AbortSignal } = {},
): Promise<unknown> {
  const url = `${api.runtimeUrl}${route}`;
  let response: Response;
  try {
    response = await api.fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${api.apiKey}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new HudRuntimeError('unavailable', `${method} ${url} failed: ${String(error)}`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? ' (check HUD_API_KEY)'
        : response.status === 404 && route === '/runtime/sessions'
          ? ' (is this a HUD runtime URL? check HUD_RUNTIME_URL)'
          : '';
    throw new HudRuntimeError(
      codeFor(response.status),
      `${method} ${url} answered ${response.status}: ${detailOf(text)}${hint}`,
      { status: response.status },
    );
  }
  try {
    return text ? JSON.parse(text) : undefined;
  } catch (error) {
    throw new HudRuntimeError(
      'bad_response',
      `${method} ${url} answered ${response.status} with something that is not JSON: ${text.slice(0, 200)}`,
      { status: response.status, cause: error },
    );
  }
}
