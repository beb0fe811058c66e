/**
 * `hud login`'s client side of the OAuth 2.0 device authorization grant (RFC 8628) as hud-python runs it
 * (spec/hud-python-v6.md §9.8): `POST {HUD_API_URL}/auth/device/code {client_name, client_version}` (no
 * `/v2` prefix, no key), then `POST /auth/device/token {device_code}` every `interval` seconds until the
 * person approves the code. Token answers other than success are RFC 8628 §3.5 errors in a 400 body
 * (`{error, error_description}`) and are control flow: `authorization_pending` and 5xx answers (and a
 * platform that cannot be reached for a moment) go on polling, `slow_down` adds 5 s to the interval,
 * `expired_token`, `access_denied` and any other error end the login.
 */
import { codedError } from '@hud/protocol';
import { z } from 'zod';
import type { PlatformClient } from './client.js';

/** Why a login failed. */
export type LoginErrorCode =
  /** The code expired before it was approved (`expired_token`, or the local deadline passed). */
  | 'expired'
  /** The person denied the login (`access_denied`). */
  | 'denied'
  /** The platform refused the exchange for another reason (`invalid_grant`, a malformed answer, …). */
  | 'rejected';

/** A failed `hud login`; the message says what happened and what to do. */
export class LoginError extends codedError<LoginErrorCode>('LoginError', 'hud.login-error') {}

/** `POST /auth/device/code`'s answer (RFC 8628 §3.2); `interval` defaults to 5 s. */
export const DeviceCode = z.looseObject({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  verification_uri_complete: z.string().nullable().optional(),
  interval: z.number().positive().nullable().optional(),
  expires_in: z.number().positive(),
});
/** See {@link DeviceCode}. */
export type DeviceCode = z.infer<typeof DeviceCode>;

/** The approved login: `api_key` is the secret to save (never print it). */
const DeviceToken = z.looseObject({
  api_key: z.string().min(1),
  user: z.looseObject({ email: z.string().nullable().optional() }).nullable().optional(),
  team: z.looseObject({ name: z.string().nullable().optional() }).nullable().optional(),
});

/** What a successful login yields. */
export interface DeviceLogin {
  /** The new API key (a secret). */
  apiKey: string;
  email: string | null;
  team: string | null;
}

/** Options of {@link deviceLogin}. */
export interface DeviceLoginOptions {
  /** A client for the platform (its `api` URL is where `/auth/device/*` live). */
  client: PlatformClient;
  /** Sent as `client_name` (hud-python: the host name). */
  clientName: string;
  /** Sent as `client_version`. */
  clientVersion: string;
  /** Called once with the code to show the person. */
  onCode: (code: DeviceCode) => void;
  /** Waits `ms` milliseconds (tests pass one that records instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock in ms (default `Date.now`). */
  now?: () => number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const SLOW_DOWN_STEP_S = 5;
const DEFAULT_INTERVAL_S = 5;
const POLL_TIMEOUT_MS = 30_000;

/** One poll's outcome: the token body, an RFC 8628 error code, or `retry` (5xx, no answer). */
type Poll = { token: unknown } | { error: string; description: string } | { retry: string };

async function pollOnce(
  options: DeviceLoginOptions,
  deviceCode: string,
  doFetch: typeof fetch,
): Promise<Poll> {
  const url = options.client.url('/auth/device/token');
  let response: Response;
  try {
    const signals = [AbortSignal.timeout(POLL_TIMEOUT_MS)];
    if (options.signal) signals.push(options.signal);
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ device_code: deviceCode }),
      signal: AbortSignal.any(signals),
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    return { retry: (cause as Error).message };
  }
  const text = await response.text();
  if (response.status >= 500) return { retry: `${response.status}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new LoginError(
      'rejected',
      `POST ${url.origin}${url.pathname} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  if (response.ok) return { token: body };
  const error = (body as { error?: unknown; detail?: unknown } | null)?.error;
  const description = (body as { error_description?: unknown } | null)?.error_description;
  return {
    error: typeof error === 'string' ? error : `http_${response.status}`,
    description:
      typeof description === 'string'
        ? description
        : text.slice(0, 200) || `answered ${response.status}`,
  };
}

/**
 * Runs the device flow: asks for a code, shows it with `onCode`, and polls until it is approved.
 * @returns the new key and who it belongs to.
 * @throws LoginError `expired` (the code expired), `denied` (the person denied it), `rejected` (any
 *   other refusal, or an answer that is not the expected shape); PlatformError when the code request
 *   itself fails (the platform cannot be reached, answers 4xx/5xx).
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<DeviceLogin> {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const code = await options.client.post(
    '/auth/device/code',
    { client_name: options.clientName, client_version: options.clientVersion },
    {
      auth: false,
      schema: DeviceCode,
      retry: true,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  options.onCode(code);
  let intervalS = code.interval ?? DEFAULT_INTERVAL_S;
  const deadline = now() + code.expires_in * 1000;
  for (;;) {
    await sleep(intervalS * 1000);
    if (now() > deadline) {
      throw new LoginError(
        'expired',
        `the login code ${code.user_code} expired before it was approved: run hud login again`,
      );
    }
    const poll = await pollOnce(options, code.device_code, doFetch);
    if ('retry' in poll) continue;
    if ('token' in poll) {
      const parsed = DeviceToken.safeParse(poll.token);
      if (!parsed.success) {
        throw new LoginError(
          'rejected',
          'the platform approved the login but its answer has no api_key: this platform does not speak the device flow hud login expects',
        );
      }
      return {
        apiKey: parsed.data.api_key,
        email: parsed.data.user?.email ?? null,
        team: parsed.data.team?.name ?? null,
      };
    }
    switch (poll.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        intervalS += SLOW_DOWN_STEP_S;
        continue;
      case 'expired_token':
        throw new LoginError(
          'expired',
          `the login code ${code.user_code} expired before it was approved: run hud login again`,
        );
      case 'access_denied':
        throw new LoginError('denied', `the login with code ${code.user_code} was denied`);
      default:
        throw new LoginError(
          'rejected',
          `the platform refused the login (${poll.error}: ${poll.description}): run hud login again`,
        );
    }
  }
}
