/**
 * One pending promise per key: concurrent callers share it, a success is kept, a failure is dropped so the
 * next caller tries again (a task directory read once, an image built once per job).
 */
export class OncePerKey<Value> {
  readonly #pending = new Map<string, Promise<Value>>();

  get(key: string, make: () => Promise<Value>): Promise<Value> {
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = make();
      this.#pending.set(key, pending);
      pending.catch(() => this.#pending.delete(key));
    }
    return pending;
  }
}
