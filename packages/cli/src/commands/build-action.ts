import path from 'node:path';
import { buildProjectImage } from '../docker/build-image.js';
import { parsePairs } from '../eval/flag-values.js';

/** The flags of `hud build` as commander parses them. */
export interface BuildFlags {
  tag?: string;
  env?: string;
  file?: string;
  buildArg: string[];
  cache: boolean;
  verbose?: boolean;
}

/** Engine chatter between steps: shown with --verbose only. */
const NOISE = /^\s*(---> |Removing intermediate container|Successfully built)/;

/**
 * The action of `hud build [dir]`: builds the project's image (progress on stderr) and prints what was built
 * and where it was recorded.
 * @throws Error (or MissingPackageError) from {@link buildProjectImage}.
 */
export async function buildAction(dir: string, flags: BuildFlags): Promise<void> {
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
  console.log(`next: hud debug ${built.tag}   ·   hud eval <tasks> oracle --all --runtime docker`);
}
