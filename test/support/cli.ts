import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { tempDir } from './temp.js';
import * as wait from './wait.js';

export { tempDir };

/** The built CLI (test/support/build-once.ts builds it before the suite). */
export const ROOT = join(import.meta.dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

/** A clean environment: no B-route settings leak in from the machine. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, METADATA_SERVER_DETECTION: 'none', ...extra };
}

// CLIs still running when the importing test file ends (a test failed before stopping one) are
// killed, so a failure cannot leave a collector behind on the machine.
const live = new Set<ChildProcess>();
afterAll(async () => {
  const gone = [...live].map((child) => new Promise((resolve) => child.once('close', resolve)));
  for (const child of live) child.kill('SIGKILL');
  await Promise.all(gone);
});

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
  /** Resolves once `cond()` holds; rejects after `ms` with the CLI's stderr in the message. */
  until(cond: () => boolean, what: string, ms?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `node dist/cli/main.js ...args` (or another build's `main`) in `cwd` (a fresh temp dir
 * by default); with `maxOpenFiles`, under that limit of file descriptors (`ulimit -n`).
 */
export function startCli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; maxOpenFiles?: number; main?: string } = {},
): CliRun {
  const cwd = opts.cwd ?? tempDir('hems-e2e-');
  const node = [process.execPath, opts.main ?? MAIN, ...args];
  const [cmd, ...argv] =
    opts.maxOpenFiles === undefined
      ? node
      : ['sh', '-c', `ulimit -n ${Math.floor(opts.maxOpenFiles)} && exec "$@"`, 'sh', ...node];
  const child = spawn(cmd as string, argv, { cwd, env: cleanEnv(opts.env) });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const run: CliRun = {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    until(cond, what, ms = 30_000) {
      const exited = (): boolean => {
        if (child.exitCode === null) return false;
        throw new Error(`CLI exited (${child.exitCode}) before ${what}; stderr:\n${err.slice(-3000)}`);
      };
      return wait.until(
        () => cond() || exited(),
        () => `${what}; stderr:\n${err.slice(-3000)}`,
        {
          ms,
          everyMs: 20,
        },
      );
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exit;
    },
  };
  return run;
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
