import { describe, expect, it } from 'vitest';
import { abortable } from './abortable.js';
import { SandboxLease } from './sandbox-lease.js';

describe('SandboxLease', () => {
  it("reports hud-python's params, its logs and signal, and releases once", async () => {
    const died = new AbortController();
    let releases = 0;
    const lease = new SandboxLease('acme', {
      url: 'tcp://127.0.0.1:4000',
      sandboxId: 'sb-1',
      readyTimeoutS: 300,
      signal: died.signal,
      output: async () => 'last line',
      release: async () => {
        releases += 1;
      },
    });
    expect(lease.url).toBe('tcp://127.0.0.1:4000');
    expect(lease.params).toEqual({ provider: 'acme', instance_id: 'sb-1', ready_timeout: 300 });
    expect(lease.signal).toBe(died.signal);
    await expect(lease.logs()).resolves.toBe('last line');
    const first = lease.close();
    expect(lease.close()).toBe(first);
    await lease[Symbol.asyncDispose]();
    expect(releases).toBe(1);
  });
});

describe('abortable', () => {
  it("rejects with the signal's reason once aborted, and passes the promise's outcome otherwise", async () => {
    await expect(abortable(Promise.resolve(1), undefined)).resolves.toBe(1);
    await expect(abortable(Promise.resolve(2), new AbortController().signal)).resolves.toBe(2);
    const controller = new AbortController();
    const pending = abortable(new Promise(() => {}), controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(() => abortable(Promise.resolve(3), controller.signal)).toThrow('stop');
  });
});
