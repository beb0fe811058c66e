import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * zod's index of its locales (`zod/v4/locales/index.js`, ESM): every `z` namespace re-exports it as
 * `z.locales`, so bundling an env that imports `zod` bundled all 63 locales — 350 of letter-count's
 * 1,445 kB of `entry.cjs`, read and decoded by every child — though only `en` (which zod imports itself)
 * is used unless the env calls `z.config(z.locales.<name>())`.
 */
const LOCALE_INDEX = /[\\/]node_modules[\\/](?:.*[\\/])?zod[\\/]v4[\\/]locales[\\/]index\.js$/;

/** One re-export line of the index: `export { default as fr } from "./fr.js";`. */
const REEXPORT = /^export \{ default as ([A-Za-z_$][\w$]*) \} from "\.\/([\w-]+)\.js";$/;

/** Locales kept in the bundle: the one zod itself imports at load. */
const BUNDLED = new Set(['en']);

/** The stand-in of a locale index, with the CommonJS files it `require`s. */
export interface LazyLocaleIndex {
  /** ES module source replacing the index. */
  readonly contents: string;
  /** Absolute paths of the CommonJS locale files it requires (external to the bundle). */
  readonly requires: readonly string[];
}

/**
 * For zod's locale index (see {@link LOCALE_INDEX}), an ES module exporting the same names in which each
 * locale but `en` is a function that `require`s zod's own CommonJS build of that locale (`fr.cjs` beside
 * `fr.js`, shipped in the same package) by absolute path when called, and returns what the ES one would:
 * `z.locales.fr()` still gives the `{ localeError }` config for `z.config`. Lines of another shape, and
 * locales without a CommonJS sibling, stay as written.
 * @param file the module's absolute path.
 * @param source its contents.
 * @returns undefined for any other module (bundled as is).
 */
export function lazyLocaleIndex(file: string, source: string): LazyLocaleIndex | undefined {
  if (!LOCALE_INDEX.test(file)) return undefined;
  const dir = path.dirname(file);
  const requires: string[] = [];
  const lines = source.split('\n').map((line) => {
    const match = REEXPORT.exec(line.trim());
    if (!match) return line;
    const [, name, base] = match as unknown as [string, string, string];
    const commonJs = path.join(dir, `${base}.cjs`);
    if (BUNDLED.has(name) || !existsSync(commonJs)) return line;
    requires.push(commonJs);
    // `require` of a string literal: the bundle's own (CommonJS), or the ES module bundle's shim.
    // zod's CommonJS locale sets `module.exports` to the function itself (`exports.default` of older builds).
    return `export function ${name}() { const locale = require(${JSON.stringify(commonJs)}); return (locale.default ?? locale).apply(this, arguments); }`;
  });
  return requires.length === 0 ? undefined : { contents: lines.join('\n'), requires };
}
