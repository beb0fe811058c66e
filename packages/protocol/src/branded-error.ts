import { hasBrand } from './guards.js';

/** Any class whose instances are `T` (the `this` of a static `isInstance` that narrows to its own class). */
export type ClassOf<T> = abstract new (...args: never[]) => T;

/** The class {@link brandedError} returns: an `Error` subclass with a static `isInstance`. */
export interface BrandedErrorClass {
  new (message?: string, options?: ErrorOptions): Error;
  /** True for any instance of this class, including copies from another install of its package. */
  isInstance<T>(this: ClassOf<T>, value: unknown): value is T;
}

/**
 * The base of a hud-ts error class named `name`: its instances get that `name` and the brand
 * `Symbol.for(brandKey)`, and the class gets a static `isInstance` that recognises them, also when another
 * install of the same package made them (where `instanceof` fails). A subclass of the class shares its brand.
 * @example
 * export class AgentError extends brandedError('AgentError', 'hud.agent-error') {
 *   readonly code: AgentErrorCode;
 *   constructor(code: AgentErrorCode, message: string, options?: ErrorOptions) {
 *     super(message, options);
 *     this.code = code;
 *   }
 * }
 */
export function brandedError(name: string, brandKey: string): BrandedErrorClass {
  const brand = Symbol.for(brandKey);
  return class BrandedError extends Error {
    /** True for any instance of this class, including copies from another install of its package. */
    static isInstance<T>(this: ClassOf<T>, value: unknown): value is T {
      return hasBrand(value, brand);
    }

    constructor(message?: string, options?: ErrorOptions) {
      super(message, options);
      this.name = name;
      (this as Record<symbol, unknown>)[brand] = true;
    }
  };
}

/** The class {@link codedError} returns: a {@link BrandedErrorClass} whose instances carry a `code`. */
export interface CodedErrorClass<Code> {
  new (code: Code, message: string, options?: ErrorOptions): Error & { readonly code: Code };
  /** True for any instance of this class, including copies from another install of its package. */
  isInstance<T>(this: ClassOf<T>, value: unknown): value is T;
}

/**
 * The base of a {@link brandedError} class whose instances carry a machine-readable `code`:
 * `new X(code, message, { cause })`.
 * @example
 * export class AgentError extends codedError<AgentErrorCode>('AgentError', 'hud.agent-error') {}
 * throw new AgentError('missing_key', 'set ANTHROPIC_API_KEY');
 */
export function codedError<Code extends string | number>(
  name: string,
  brandKey: string,
): CodedErrorClass<Code> {
  return class CodedError extends brandedError(name, brandKey) {
    readonly code: Code;
    constructor(code: Code, message: string, options?: ErrorOptions) {
      super(message, options);
      this.code = code;
    }
  };
}
