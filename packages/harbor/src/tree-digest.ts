import type { Hash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Feeds a directory tree into `hash`: its sorted relative paths, each entry's kind, symlink targets and file
 * contents (with lengths, so boundaries cannot collide). A missing directory adds nothing. The identity of
 * a task's `environment/` or `tests/` tree, for environment names and content-addressed image tags.
 */
export function hashTree(hash: Hash, root: string): Hash {
  let entries: string[] = [];
  try {
    entries = readdirSync(root, { recursive: true, encoding: 'utf8' });
  } catch {
    return hash;
  }
  for (const relative of entries.map((entry) => entry.split(path.sep).join('/')).sort()) {
    const file = path.join(root, relative);
    const stat = lstatSync(file);
    if (stat.isSymbolicLink()) {
      hash.update(`link\0${relative}\0${readlinkSync(file)}\0`);
    } else if (stat.isFile()) {
      const content = readFileSync(file);
      hash.update(`file\0${relative}\0${content.length}\0`).update(content);
    } else if (stat.isDirectory()) {
      hash.update(`dir\0${relative}\0`);
    }
  }
  return hash;
}
