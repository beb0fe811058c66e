import { describe, expect, it } from 'vitest';
import { type SandboxRuntimeErrorFields, sandboxRuntimeError } from './errors.js';
import { type VendorProfile, vendorCall } from './vendor-call.js';

class AcmeError extends sandboxRuntimeError('AcmeRuntimeError', 'hud.test.acme-runtime-error') {}

/** An SDK failure with an HTTP status. */
const http = (status: number, message = `status ${status}`) =>
  Object.assign(new Error(message), { status });

const profile: VendorProfile = {
  vendor: 'Acme',
  credentials: 'ACME_API_KEY',
  statusOf: (error) => (error as { status?: number }).status,
  retryable: (error) => {
    const status = (error as { status?: number }).status;
    return status === 429 || (status !== undefined && status >= 500);
  },
  errorClass: AcmeError,
};

const fast = { minTimeoutMs: 1 };

/** A call failing with `failures` in turn, then answering `ok`; `calls()` counts the tries. */
function flaky(...failures: Error[]) {
  let calls = 0;
  const run = async () => {
    const failure = failures[calls++];
    if (failure) throw failure;
    return 'ok';
  };
  return { run, calls: () => calls };
}

async function failure(
  promise: Promise<unknown>,
): Promise<Error & SandboxRuntimeErrorFields<string>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & SandboxRuntimeErrorFields<string>;
  }
  throw new Error('did not reject');
}

describe('vendorCall', () => {
  it('retries what the vendor calls retryable, then answers', async () => {
    const call = flaky(http(503), http(429));
    await expect(vendorCall(profile, 'things.create', call.run, fast)).resolves.toBe('ok');
    expect(call.calls()).toBe(3);
  });

  it('throws anything else at once as vendor_error naming the call and the sandbox', async () => {
    const call = flaky(http(400, 'bad shape'));
    const error = await failure(
      vendorCall(profile, 'things.get', call.run, {
        ...fast,
        sandboxId: 'sb-1',
        phase: 'teardown',
      }),
    );
    expect(call.calls()).toBe(1);
    expect(AcmeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'vendor_error',
      message: 'Acme things.get (sandbox sb-1) failed: bad shape',
      call: 'things.get',
      sandboxId: 'sb-1',
      phase: 'teardown',
      status: 400,
    });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('names the credentials on 401/403 and says rate_limited after the retries on 429', async () => {
    const denied = await failure(
      vendorCall(profile, 'things.list', flaky(http(403, 'no')).run, fast),
    );
    expect(denied).toMatchObject({
      code: 'unauthorized',
      message: 'Acme things.list failed: check ACME_API_KEY: no',
      phase: 'provisioning',
    });
    const busy = flaky(http(429), http(429), http(429, 'slow down'));
    const limited = await failure(
      vendorCall(profile, 'things.list', busy.run, { retries: 2, minTimeoutMs: 1 }),
    );
    expect(busy.calls()).toBe(3);
    expect(limited).toMatchObject({
      code: 'rate_limited',
      message: 'Acme things.list failed after retries: slow down',
    });
  });

  it("throws the signal's reason once aborted", async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const run = async () => {
      controller.abort(reason);
      throw http(503);
    };
    await expect(
      vendorCall(profile, 'things.create', run, { ...fast, signal: controller.signal }),
    ).rejects.toBe(reason);
  });
});
