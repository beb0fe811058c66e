import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CLI_VERSION } from '../version.js';

/** `hud init <name> [--dir] [--force]`: a new TypeScript environment project. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'create a new environment project (env.ts, tasks.ts, Dockerfile.hud, package.json, README.md)',
    )
    .argument('<name>', 'project (and environment) name')
    .option('-d, --dir <dir>', 'parent directory', '.')
    .option('-f, --force', 'write into a non-empty directory, replacing the scaffold files')
    .action(async (name: string, flags: { dir: string; force?: boolean }) => {
      const target = path.resolve(flags.dir, name);
      if (existsSync(target) && readdirSync(target).length > 0 && !flags.force) {
        throw new Error(`${target} is not empty: pick another name or pass --force`);
      }
      mkdirSync(target, { recursive: true });
      const { scaffoldFiles } = await import('../scaffold.js');
      const files = scaffoldFiles({ name: path.basename(target), version: CLI_VERSION });
      for (const [file, text] of Object.entries(files))
        writeFileSync(path.join(target, file), text);
      console.log(`created ${target}: ${Object.keys(files).join(', ')}`);
      console.log(
        `next: cd ${path.relative(process.cwd(), target) || '.'} && hud eval tasks.ts oracle --all`,
      );
    });
}
