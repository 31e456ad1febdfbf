import { chmodSync, cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { program } from './programs.js';
import { tempDir } from './temp.js';

/**
 * The command prefix that runs a program as `nobody` when the tests run as root (empty
 * otherwise: the tests' own user is already unprivileged).
 */
export const AS_UNPRIVILEGED: string[] =
  process.getuid?.() === 0 ? [program('setpriv'), '--reuid=65534', '--regid=65534', '--clear-groups'] : [];

/**
 * Copies `paths` (relative to `from`) into a fresh temp dir every user can read and enter, so
 * that what runs as another user never depends on where the checkout lives or on its modes (a
 * clone inside a 0700 home directory, a umask of 077).
 */
export function readableCopy(from: string, paths: string[]): string {
  const dir = tempDir('hems-shared-');
  for (const path of paths) cpSync(join(from, path), join(dir, path), { recursive: true });
  openUp(dir);
  return dir;
}

function openUp(path: string): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) openUp(join(path, name));
  } else {
    chmodSync(path, st.mode & 0o111 ? 0o755 : 0o644);
  }
}
