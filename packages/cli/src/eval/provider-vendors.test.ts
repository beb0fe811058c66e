import { describe, expect, it } from 'vitest';
import { chooseProvider } from './provider-choice.js';
import { isVendorRuntime } from './provider-vendors.js';

const choose = (runtime: string, settings: Record<string, string | undefined> = {}) =>
  chooseProvider({ runtime, source: '.', prewarm: 0, settings });

describe('--runtime e2b|daytona|modal', () => {
  it('names the vendors, with or without an image', () => {
    for (const runtime of ['e2b', 'e2b:tmpl', 'daytona', 'daytona:img:1', 'modal', 'modal:img']) {
      expect(isVendorRuntime(runtime), runtime).toBe(true);
    }
    for (const runtime of ['docker', 'local', 'tcp://127.0.0.1:1', 'e2bx', 'modals']) {
      expect(isVendorRuntime(runtime), runtime).toBe(false);
    }
  });

  it("says which key is missing, and never starts the vendor's package without one", async () => {
    await expect(choose('e2b')).rejects.toThrow(/--runtime e2b needs E2B_API_KEY/);
    await expect(choose('daytona:img')).rejects.toThrow(
      /--runtime daytona:img needs DAYTONA_API_KEY/,
    );
    await expect(choose('daytona:', { DAYTONA_API_KEY: 'k' })).rejects.toThrow(
      /--runtime daytona:<image> needs an image name/,
    );
  });

  it('wires each vendor package by name, with the forced image in the label', async () => {
    const e2b = await choose('e2b:sample-template', { E2B_API_KEY: 'e2b_k' });
    expect(e2b.label).toBe('e2b (sample-template)');
    await e2b.close();
    const daytona = await choose('daytona', { DAYTONA_API_KEY: 'dtn_k' });
    expect(daytona.label).toBe('daytona (image per task)');
    await daytona.close();
    const modal = await choose('modal:example.com/env:1', {
      MODAL_TOKEN_ID: 'ak-1',
      MODAL_TOKEN_SECRET: 'as-1',
    });
    expect(modal.label).toBe('modal (example.com/env:1)');
    await modal.close();
  });
});
