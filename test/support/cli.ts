import { afterAll } from 'vitest';
import { type CliRun, killLiveClis, type SpawnCliOptions, spawnCli } from './spawn-cli.js';
import { tempDir } from './temp.js';

export { type CliRun, cleanEnv, MAIN, ROOT } from './spawn-cli.js';
export { tempDir };

// CLIs still running when the importing test file ends (a test failed before stopping one) are
// killed, so a failure cannot leave a collector behind on the machine.
afterAll(killLiveClis);

/**
 * Spawns `node dist/cli/main.js ...args` (or another build's `main`) in `cwd` (a fresh temp dir
 * by default); with `maxOpenFiles`, under that limit of file descriptors (`ulimit -n`).
 */
export function startCli(
  args: string[],
  opts: Omit<SpawnCliOptions, 'cwd' | 'wrap'> & { cwd?: string } = {},
): CliRun {
  return spawnCli(args, { ...opts, cwd: opts.cwd ?? tempDir('hems-e2e-') });
}

/** Runs the CLI to completion. */
export async function runCliOnce(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; input?: string; main?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, opts);
  if (opts.input !== undefined) run.child.stdin?.end(opts.input);
  const code = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
