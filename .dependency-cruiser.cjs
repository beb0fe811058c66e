// The house's dependency rules (docs/architecture.md §2), checked over production *and* test code
// by `pnpm lint`. Paths are resolved to real files, so `@hud/x` imports land in packages/x/.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-stands-alone',
      comment:
        '@hud/protocol imports no other @hud package: everything that crosses a process boundary is defined there once.',
      severity: 'error',
      from: { path: '^packages/protocol/' },
      to: { path: '^(packages/(?!protocol/)[^/]+|apps|examples)/' },
    },
    {
      name: 'env-side-never-imports-agent-side',
      comment:
        'The env side (@hud/environment, @hud/graders) and the agent side (@hud/agents, @hud/eval) meet only on the wire; tests that need both live in packages/e2e.',
      severity: 'error',
      from: { path: '^packages/(environment|graders)/' },
      to: { path: '^packages/(agents|eval)/' },
    },
    {
      name: 'agent-side-never-imports-env-side',
      comment:
        'An agent never imports environment code; tests that need a served environment live in packages/e2e.',
      severity: 'error',
      from: { path: '^packages/(agents|eval)/' },
      to: { path: '^packages/(environment|graders)/' },
    },
    {
      name: 'eval-imports-no-runtime-or-cli',
      comment:
        '@hud/eval knows the Provider contract only; the CLI wires runtime packages by name.',
      severity: 'error',
      from: { path: '^packages/eval/' },
      to: { path: '^packages/(runtimes-[^/]+|harbor|cli)/' },
    },
    {
      name: 'runtimes-import-no-eval-or-cli',
      comment:
        'A runtime implements the Provider contract of @hud/protocol; it never imports @hud/eval or @hud/cli. Runtimes that serve an environment (runtimes-local: local, in-process; harbor: the trial environment) may import @hud/environment.',
      severity: 'error',
      from: { path: '^packages/(runtimes-[^/]+|harbor)/src/(?!results/)' },
      to: { path: '^packages/(eval|cli)/' },
    },
    {
      name: 'no-circular-within-a-package',
      comment:
        'Files of one package import each other without cycles (type-only imports count). A cycle closed by a lazy import() is allowed: the harness specs load their adapters on first use (docs/decisions/0002).',
      severity: 'error',
      from: { path: '^(packages|apps)/[^/]+/src/' },
      // viaOnly.dependencyTypesNot: the rule matches only when no edge of the cycle is a dynamic import().
      to: { circular: true, viaOnly: { dependencyTypesNot: ['dynamic-import'] } },
    },
    {
      name: 'hud-imports-resolve',
      comment:
        'An @hud/* import must resolve (be a declared dependency of its package): one that does not would slip past every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^@hud/' },
    },
  ],
  options: {
    // Workspace packages resolve to their built dist/ (the exports map): a node, not followed.
    doNotFollow: { path: '(^|/)(node_modules|dist)/' },
    exclude: { path: '(^|/)(\\.turbo|\\.hud|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
