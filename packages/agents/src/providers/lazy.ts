import { AgentError } from '../errors.js';

/**
 * `make`, called on the first call of the returned function only; later calls return the same value (for a
 * conversation's SDK client, built at its first model call).
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/**
 * The one-line hint for a missing optional package, the same wording the CLI uses for runtime packages:
 * `the claude agent needs @anthropic-ai/sdk, which is not installed: npm install @anthropic-ai/sdk`.
 */
export function missingPackageMessage(user: string, name: string): string {
  return `${user} needs ${name}, which is not installed: npm install ${name}`;
}

/**
 * True when `error` is Node's "cannot find package `name`" (`ERR_MODULE_NOT_FOUND` for `import`,
 * `MODULE_NOT_FOUND` for `require`) about `name` itself — not about a file inside it or a dependency of it,
 * which an install of `name` would not fix.
 */
export function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`);
}

/**
 * An optional peer dependency (a provider SDK: `@anthropic-ai/sdk`, `openai`, `@google/genai`), imported on
 * its first use and then kept. Users install only the SDKs of the harnesses they run; a missing one is an
 * {@link AgentError} `not_available` whose message is the install line ({@link missingPackageMessage}).
 * @example
 * const anthropic = new OptionalPeer('@anthropic-ai/sdk', () => import('@anthropic-ai/sdk'));
 * const { default: Anthropic } = await anthropic.load('the claude agent');
 */
export class OptionalPeer<T> {
  /** The npm package name, as `npm install` takes it. */
  readonly name: string;
  readonly #import: () => Promise<T>;
  #module: T | undefined;

  /** `load` imports the package (a dynamic `import()` of `name`; tests hand in another). */
  constructor(name: string, load: () => Promise<T>) {
    this.name = name;
    this.#import = load;
  }

  /**
   * The module, imported on the first call. `user` names who needs it in the error (`the claude agent`).
   * A failed import is not kept: a later call tries again.
   * @throws AgentError `not_available` when the package is not installed (the cause is Node's error); any
   *   other import failure (a broken install, a missing dependency of the package) unchanged.
   */
  async load(user: string): Promise<T> {
    if (this.#module !== undefined) return this.#module;
    try {
      this.#module = await this.#import();
    } catch (error) {
      if (isMissingPackage(error, this.name)) {
        throw new AgentError('not_available', missingPackageMessage(user, this.name), {
          cause: error,
        });
      }
      throw error;
    }
    return this.#module;
  }

  /** The module if {@link load} has imported it (an SDK's error classes exist only then), else undefined. */
  loaded(): T | undefined {
    return this.#module;
  }
}
