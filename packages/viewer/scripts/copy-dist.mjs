#!/usr/bin/env node
// Copies the viewer's built pages (packages/viewer/dist) into the package that serves them:
//   node ../viewer/scripts/copy-dist.mjs dist/viewer     (run by the build of @hud/cli and @hud/gateway)
// The destination is replaced. Fails when the viewer was not built first (turbo builds it first: it is a
// devDependency of both).
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const target = process.argv[2];
if (!target) {
  console.error('usage: copy-dist.mjs <destination directory>');
  process.exit(2);
}
if (!existsSync(path.join(source, 'index.html'))) {
  console.error(`copy-dist: ${source}/index.html is missing: build @hud/viewer first`);
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true });
