import { forwardedBindingUrl } from './binding-url.js';
import { CapabilityForwarder, type ForwarderOptions } from './forwarder.js';
import type { Capability } from './schemas.js';

/** Options of a {@link ForwarderSet}: those of every {@link CapabilityForwarder} it starts. */
export type ForwarderSetOptions = Omit<ForwarderOptions, 'capability'>;

/**
 * One loopback forwarder per binding name (spec §2.7), kept in step with the latest `hello`: forwarders of
 * names still published are kept (their ports stay valid), new names get one, vanished names lose theirs.
 */
export class ForwarderSet {
  readonly #options: ForwarderSetOptions;
  readonly #forwarders = new Map<string, CapabilityForwarder>();
  #syncing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: ForwarderSetOptions) {
    this.#options = options;
  }

  /**
   * Makes the forwarders match `bindings`; runs after any earlier sync.
   * @throws the listen error of a new forwarder.
   */
  sync(bindings: readonly Capability[]): Promise<void> {
    const run = this.#syncing.then(() => this.#sync(bindings));
    this.#syncing = run.catch(() => undefined);
    return run;
  }

  /** `binding` with its URL pointing at its forwarder, or unchanged when it has none. */
  route(binding: Capability): Capability {
    const forwarder = this.#forwarders.get(binding.name);
    if (forwarder === undefined) return binding;
    return { ...binding, url: forwardedBindingUrl(binding.url, forwarder.port) };
  }

  /** Closes every forwarder and its tunnels; later syncs do nothing. Resolves once all are closed. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#syncing;
    const forwarders = [...this.#forwarders.values()];
    this.#forwarders.clear();
    await Promise.all(forwarders.map((forwarder) => forwarder.close()));
  }

  async #sync(bindings: readonly Capability[]): Promise<void> {
    if (this.#closed) return;
    const names = new Set(bindings.map((binding) => binding.name));
    for (const [name, forwarder] of this.#forwarders) {
      if (names.has(name)) continue;
      this.#forwarders.delete(name);
      await forwarder.close();
    }
    for (const name of names) {
      if (this.#forwarders.has(name)) continue;
      const forwarder = await CapabilityForwarder.listen({ ...this.#options, capability: name });
      if (this.#closed) {
        await forwarder.close();
        return;
      }
      this.#forwarders.set(name, forwarder);
    }
  }
}
