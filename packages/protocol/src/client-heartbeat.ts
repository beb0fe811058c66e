/**
 * Runs `beat` every `intervalMs` (measured from the end of the previous beat, like hud-python's
 * `sleep` loop) until stopped or until a beat throws; the error goes to `onFailure`. The timer never keeps
 * the process alive.
 */
export class Heartbeat {
  readonly #beat: () => Promise<unknown>;
  readonly #intervalMs: number;
  readonly #onFailure: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: {
    intervalMs: number;
    beat: () => Promise<unknown>;
    onFailure: (error: unknown) => void;
  }) {
    this.#beat = options.beat;
    this.#intervalMs = options.intervalMs;
    this.#onFailure = options.onFailure;
    this.#schedule();
  }

  /** Stops beating; a beat in flight finishes (or fails) without scheduling another. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#beat().then(
        () => this.#schedule(),
        (error: unknown) => {
          if (this.#stopped) return;
          this.#stopped = true;
          this.#onFailure(error);
        },
      );
    }, this.#intervalMs);
    this.#timer.unref();
  }
}
