import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * vitest globalSetup: builds dist/ once before any test file runs, so end-to-end tests that
 * spawn the built CLI never race each other rebuilding it.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
