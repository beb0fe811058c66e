import path from 'node:path';
import type { Command } from 'commander';
import { buildProjectImage, parsePairs } from '../docker/build-image.js';

interface BuildFlags {
  tag?: string;
  env?: string;
  file?: string;
  buildArg: string[];
  cache: boolean;
  verbose?: boolean;
}

/** Engine chatter between steps: shown with --verbose only. */
const NOISE = /^\s*(---> |Removing intermediate container|Successfully built)/;

/** `hud build [dir]`: build the environment image without network and record it for `hud eval`. */
export function registerBuild(program: Command): void {
  program
    .command('build')
    .description(
      'build the environment image (bundles env and hud CLI; Dockerfile.hud, else Dockerfile) for --runtime docker',
    )
    .argument('[dir]', 'project directory holding env.ts', '.')
    .option('-t, --tag <tag>', 'image tag (default: <env name>:latest)')
    .option('--env <name>', 'the environment to serve when the env file declares several')
    .option(
      '-f, --file <dockerfile>',
      'Dockerfile relative to the project (default Dockerfile.hud, else Dockerfile)',
    )
    .option(
      '--build-arg <key=value>',
      'build argument (repeatable), e.g. BASE=node:24-slim',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--no-cache', 'do not use cached layers')
    .option('-v, --verbose', 'show every line the engine prints')
    .action(async (dir: string, flags: BuildFlags) => {
      const began = performance.now();
      const built = await buildProjectImage({
        dir,
        tag: flags.tag,
        env: flags.env,
        file: flags.file,
        buildArgs: parsePairs(flags.buildArg, '--build-arg'),
        noCache: !flags.cache,
        onProgress: (line) => {
          if (flags.verbose || !NOISE.test(line)) process.stderr.write(`  ${line}\n`);
        },
      });
      const seconds = ((performance.now() - began) / 1000).toFixed(1);
      const megabytes = Math.round(built.image.size / 1e6);
      const shown = (file: string) => path.relative(process.cwd(), file) || file;
      console.log(
        `built ${built.tag} (${built.image.id.slice(7, 19)}, ${megabytes} MB) from ${built.recipe} in ${seconds} s; recorded in ${shown(built.configFile)}`,
      );
      console.log(
        `next: hud debug ${built.tag}   ·   hud eval <tasks> oracle --all --runtime docker`,
      );
    });
}
