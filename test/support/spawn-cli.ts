/**
 * Spawning the built CLI without vitest, so benchmarks can use it too; test/support/cli.ts adds
 * the per-test-file cleanup and a temporary working directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import * as wait from './wait.js';

/** The built CLI (test/support/build-once.ts builds it before the suite, `npm run bench` too). */
export const ROOT = join(import.meta.dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

/** A clean environment: no B-route settings leak in from the machine. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, METADATA_SERVER_DETECTION: 'none', ...extra };
}

/** CLIs started and still running. */
const live = new Set<ChildProcess>();

/** Kills (SIGKILL) every CLI still running and waits until they are gone. */
export async function killLiveClis(): Promise<void> {
  const gone = [...live].map((child) => new Promise((resolve) => child.once('close', resolve)));
  for (const child of live) child.kill('SIGKILL');
  await Promise.all(gone);
}

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
  /** Resolves once `cond()` holds; rejects after `ms` with the CLI's stderr in the message. */
  until(cond: () => boolean, what: string, ms?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnCliOptions {
  env?: Record<string, string>;
  cwd: string;
  /** Runs it under this limit of file descriptors (`ulimit -n`). */
  maxOpenFiles?: number;
  /** Another build's main.js. */
  main?: string;
  /** A command the CLI runs under (`['strace', '-f', …]`): `child` is then that command. */
  wrap?: string[];
}

/** Spawns `node dist/cli/main.js ...args` in `cwd`. */
export function spawnCli(args: string[], opts: SpawnCliOptions): CliRun {
  const node = [...(opts.wrap ?? []), process.execPath, opts.main ?? MAIN, ...args];
  const [cmd, ...argv] =
    opts.maxOpenFiles === undefined
      ? node
      : ['sh', '-c', `ulimit -n ${Math.floor(opts.maxOpenFiles)} && exec "$@"`, 'sh', ...node];
  const child = spawn(cmd as string, argv, { cwd: opts.cwd, env: cleanEnv(opts.env) });
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
