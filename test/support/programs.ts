import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where scripts/test-prereqs.sh looks too: PATH, then the sbin directories daemons live in. */
const SEARCH = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The absolute path of the first of `names` found, or undefined. */
export function findProgram(...names: string[]): string | undefined {
  for (const name of names) {
    for (const dir of SEARCH) {
      if (dir === '') continue;
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        if (statSync(path).isFile()) return path;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

/**
 * A program scripts/test-prereqs.sh made sure of (npm test runs it first). The bare name when it
 * is missing anyway, so that spawning it fails with ENOENT naming the program.
 */
export function program(...names: string[]): string {
  return findProgram(...names) ?? names[0] ?? '';
}
