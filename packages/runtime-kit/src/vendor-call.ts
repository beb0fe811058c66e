import pRetry, { AbortError } from 'p-retry';
import type {
  SandboxRuntimeErrorClass,
  SandboxRuntimeErrorCode,
  SandboxRuntimePhase,
} from './errors.js';

/** How {@link vendorCall} retries. */
export interface RetryOptions {
  /** Retries after the first try (default 4). */
  retries?: number;
  /** First backoff, ms (default 500; doubled each retry, at most 10 s). */
  minTimeoutMs?: number;
}

/** Options of one {@link vendorCall}. */
export interface VendorCallOptions extends RetryOptions {
  /** Stops retrying; its reason is thrown. */
  signal?: AbortSignal;
  /** The sandbox the call is about, named in the message. */
  sandboxId?: string;
  /** The phase the error reports (default `'provisioning'`). */
  phase?: SandboxRuntimePhase;
}

/** What {@link vendorCall} needs to know of a vendor. */
export interface VendorProfile {
  /** The vendor's name opening every message, e.g. `E2B`. */
  vendor: string;
  /** The credentials an `unauthorized` message asks to check, e.g. `E2B_API_KEY`. */
  credentials: string;
  /** The HTTP (or HTTP-equivalent) status behind an SDK error, if it has one. */
  statusOf(error: unknown): number | undefined;
  /** Whether a failed call is worth another try. */
  retryable(error: unknown): boolean;
  /** The runtime's error class, thrown for the final failure. */
  errorClass: SandboxRuntimeErrorClass<SandboxRuntimeErrorCode>;
}

/**
 * Runs the SDK call `call` of `profile.vendor` (named for messages), retrying what `profile.retryable`
 * accepts with exponential backoff (p-retry: 4 retries from 500 ms, doubled, at most 10 s, randomized);
 * any other failure is thrown at once. The final failure becomes a `profile.errorClass` naming the call and
 * the sandbox, `<vendor> <call> (sandbox <id>) failed<hint>: <message>`, with its `status` and the failure as
 * `cause`: `unauthorized` (401/403, hint `: check <credentials>`), `rate_limited` (429, hint
 * ` after retries`), else `vendor_error`.
 * @throws `profile.errorClass`; `signal.reason` when aborted.
 */
export async function vendorCall<T>(
  profile: VendorProfile,
  call: string,
  run: () => Promise<T>,
  options: VendorCallOptions = {},
): Promise<T> {
  try {
    return await pRetry(
      async () => {
        try {
          return await run();
        } catch (error) {
          if (profile.retryable(error)) throw error;
          throw new AbortError(error as Error);
        }
      },
      {
        retries: options.retries ?? 4,
        minTimeout: options.minTimeoutMs ?? 500,
        maxTimeout: 10_000,
        randomize: true,
        signal: options.signal,
      },
    );
  } catch (error) {
    options.signal?.throwIfAborted();
    const status = profile.statusOf(error);
    const code =
      status === 401 || status === 403
        ? 'unauthorized'
        : status === 429
          ? 'rate_limited'
          : 'vendor_error';
    const where = options.sandboxId ? ` (sandbox ${options.sandboxId})` : '';
    const hint =
      code === 'unauthorized'
        ? `: check ${profile.credentials}`
        : code === 'rate_limited'
          ? ' after retries'
          : '';
    throw new profile.errorClass(
      code,
      `${profile.vendor} ${call}${where} failed${hint}: ${(error as Error).message ?? String(error)}`,
      { cause: error, call, sandboxId: options.sandboxId, phase: options.phase, status },
    );
  }
}

/** A {@link vendorCall} bound to one vendor's profile. */
export type BoundVendorCall = <T>(
  call: string,
  run: () => Promise<T>,
  options?: VendorCallOptions,
) => Promise<T>;

/**
 * {@link vendorCall} bound to `profile`: `(call, run, options) => vendorCall(profile, call, run, options)`.
 * @throws as {@link vendorCall}.
 */
export function vendorCaller(profile: VendorProfile): BoundVendorCall {
  return (call, run, options) => vendorCall(profile, call, run, options);
}
