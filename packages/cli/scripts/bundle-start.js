/**
 * Build step after `tsc`: bundles what every `hud` invocation loads — dist/program.js, the command
 * definitions (dist/commands/<name>.js, which import their actions lazily) and commander — into one
 * CommonJS file, dist/cli.cjs, which dist/bin.js requires.
 *
 * Why: `hud --help` and `hud --version` should start about as fast as `node -e ''`. Loading the same code
 * as ~25 ES modules spends most of its time in the ES module loader (resolving and linking each file) and
 * in the ES facades of the builtins commander imports (an `import … from 'node:util'` materialises every
 * lazy export of node:util); one CommonJS file `require`s them like `node -e` does. Commander imports
 * node:child_process (with net, stream, dgram…) only to spawn executable subcommands, which hud does not
 * have: here it gets a stand-in that requires node:child_process on first use.
 *
 * The actions stay out of the bundle: every dynamic `import('./x.js')` is kept as an import of the
 * tsc-built module next to the bundle (bare specifiers such as `@hud/protocol` stay as they are).
 *
 *   node scripts/bundle-start.js        (run by `pnpm build`)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** @type {import('esbuild').Plugin} */
const lazyImports = {
  name: 'hud-lazy-imports',
  setup(setup) {
    // A command's action: import the tsc-built module at run time, relative to dist/cli.cjs.
    setup.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const target = path.relative(dist, path.resolve(args.resolveDir, args.path));
      return { path: `./${target.split(path.sep).join('/')}`, external: true };
    });
    setup.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
    // Commander's executable subcommands are its only use of node:child_process.
    setup.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`)
        ? { path: 'child_process', namespace: 'hud-lazy-builtin' }
        : undefined,
    );
    setup.onLoad({ filter: /.*/, namespace: 'hud-lazy-builtin' }, () => ({
      contents:
        "const load = () => require('node:child_process');\nexport default { spawn: (...args) => load().spawn(...args) };\n",
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [path.join(dist, 'program.js')],
  outfile: path.join(dist, 'cli.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  // version.js reads ../package.json relative to its own URL; dist/cli.cjs sits in the same directory.
  define: { 'import.meta.url': '__hudModuleUrl' },
  banner: { js: "const __hudModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyImports],
  logLevel: 'warning',
});
