#!/usr/bin/env node
import module from 'node:module';
import { relaunchIfNeeded, tuneHeap } from './launcher.js';

type Program = typeof import('./program.js');

// `hud eval` restarts itself with a capped young generation and slows the old generation's growth (a long
// job's memory; see launcher.ts), before loading anything.
relaunchIfNeeded();
tuneHeap();
// Reuse V8's compiled code across runs of the CLI (start-up is paid on every command).
module.enableCompileCache?.();

/**
 * The program from dist/cli.cjs, the one-file bundle of the program, the command definitions and commander
 * that the build makes (scripts/bundle-start.js: one CommonJS file starts much faster than the same code
 * as ES modules); from program.js when there is none: only tsc has run, or this is the one-file bundle of
 * the whole CLI that `hud build` puts in an image (which inlines program.js).
 */
function loadProgram(): Program | Promise<Program> {
  try {
    return module.createRequire(import.meta.url)('./cli.cjs') as Program;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'MODULE_NOT_FOUND' || !String((error as Error).message).includes('cli.cjs'))
      throw error;
    return import('./program.js');
  }
}

const { run } = await loadProgram();
process.exitCode = await run(process.argv);
