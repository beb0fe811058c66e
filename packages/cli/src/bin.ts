#!/usr/bin/env node
import module from 'node:module';

// Reuse V8's compiled code across runs of the CLI (start-up is paid on every command).
module.enableCompileCache?.();
const { run } = await import('./program.js');

process.exitCode = await run(process.argv);
