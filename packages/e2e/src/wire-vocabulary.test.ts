import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ErrorCode, Method } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { parseAst } from 'vitest/node';

/**
 * One wire vocabulary: production code outside `@hud/protocol` names JSON-RPC error codes and control-channel
 * methods through `ErrorCode.*` and `Method.*`, never as raw literals. Tests may keep literals (they assert
 * the wire); so may packages/e2e and @hud/testing, which are test support.
 */

const root = join(import.meta.dirname, '..', '..', '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '__fixtures__', '.turbo', 'coverage']);
/** Packages whose sources are not checked: the vocabulary's owner, and test-support packages. */
const EXEMPT_PACKAGES = new Set(['protocol', 'e2e', 'testing']);
/**
 * Literals that stay, each with its reason (`<repo path>: <literal>`). Empty: every hit so far had a
 * constant to use.
 */
const ALLOWED: ReadonlyMap<string, string> = new Map();

const METHODS = new Set<string>(Object.values(Method));
/** JSON-RPC 2.0 reserves -32768..-32000 for protocol and implementation-defined server errors. */
const isReservedCode = (value: unknown) =>
  typeof value === 'number' && value >= -32768 && value <= -32000;

type Node = { type?: unknown; start?: number; [key: string]: unknown };

/** Every ESTree node under `node`, depth first (comments are not nodes). */
function* nodes(node: unknown): Generator<Node> {
  if (Array.isArray(node)) {
    for (const child of node) yield* nodes(child);
  } else if (typeof node === 'object' && node !== null) {
    if (typeof (node as Node).type === 'string') yield node as Node;
    for (const value of Object.values(node)) if (typeof value === 'object') yield* nodes(value);
  }
}

/** What a node spells on the wire, if it is a raw method name or error code. */
function wireLiteral(node: Node): string | undefined {
  if (node.type === 'Literal' && typeof node.value === 'string' && METHODS.has(node.value)) {
    return `method '${node.value}'`;
  }
  if (node.type === 'TemplateLiteral' && (node.expressions as unknown[]).length === 0) {
    const text = (node.quasis as { value: { cooked: string } }[])[0]?.value.cooked;
    if (text !== undefined && METHODS.has(text)) return `method '${text}'`;
  }
  if (node.type === 'UnaryExpression' && node.operator === '-') {
    const value = (node.argument as Node).value;
    if (typeof value === 'number' && isReservedCode(-value)) return `code ${-value}`;
  }
  return undefined;
}

/**
 * The raw wire literals of one TypeScript source, parsed with vite's parser (oxc, through vitest), as
 * `<line>: method 'hello'` / `<line>: code -32600`: string and substitution-free template literals equal
 * to a method name, and negated numbers in JSON-RPC's reserved code range. Comments are not code, so
 * prose may name a code or a method.
 */
function wireLiterals(source: string): string[] {
  const hits: string[] = [];
  for (const node of nodes(parseAst(source, { lang: 'ts' }))) {
    const hit = wireLiteral(node);
    if (hit) hits.push(`${source.slice(0, node.start).split('\n').length}: ${hit}`);
  }
  return hits;
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* sourceFiles(path);
    } else if (/\.(ts|mts)$/.test(entry.name) && !/\.(test|bench|d)\.m?ts$/.test(entry.name)) {
      yield path;
    }
  }
}

async function productionFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(root, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory() || EXEMPT_PACKAGES.has(entry.name)) continue;
    for await (const file of sourceFiles(join(root, 'packages', entry.name, 'src')))
      files.push(file);
  }
  for (const entry of await readdir(join(root, 'apps'), { withFileTypes: true })) {
    if (entry.isDirectory())
      for await (const file of sourceFiles(join(root, 'apps', entry.name))) files.push(file);
  }
  return files.sort();
}

describe('one wire vocabulary', () => {
  it('finds raw codes and method names, and ignores comments, constants and longer strings', () => {
    const source = [
      "// answers -32601 when tasks.solve is missing; see 'hello' — ü … 🙂",
      'const a = -32000; const b = { code: -32_602 }; const c = `tunnel.open`;',
      "const d = 'tasks.ts'; const e = \"say 'hello'\"; const f = ErrorCode.InvalidRequest; const g = -1;",
      "if (method === 'bye' || method === Method.Hello) throw new Error('code -32600 seen');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the source under test
      "/** The `tasks.list` order. */ class K { /** Answers `hello`. */ m() { return `${x ? 'tasks.grade' : ''} hello`; } }",
    ].join('\n');
    expect(wireLiterals(source)).toEqual([
      '2: code -32000',
      '2: code -32602',
      "2: method 'tunnel.open'",
      "4: method 'bye'",
      "5: method 'tasks.grade'",
    ]);
  });

  it('production code outside @hud/protocol uses Method.* and ErrorCode.*, not raw literals', async () => {
    const hits: string[] = [];
    for (const file of await productionFiles()) {
      const name = relative(root, file);
      for (const hit of wireLiterals(await readFile(file, 'utf8'))) {
        const where = `${name}:${hit}`;
        if (!ALLOWED.has(where.replace(/:\d+: /, ': '))) hits.push(where);
      }
    }
    expect(hits, `${hits.length} raw wire literals:\n${hits.join('\n')}\n`).toEqual([]);
    // The constants the check relies on are the wire's (a renamed constant would empty the check).
    expect(METHODS.has('tasks.start') && isReservedCode(ErrorCode.ServerError)).toBe(true);
  });
});
