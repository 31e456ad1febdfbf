/**
 * The emulator in a process of its own and a socat PTY in front of it: a serial device with a
 * dongle behind it. Without vitest, so benchmarks use it too (test/e2e/harness.ts wraps it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CliRun, spawnCli } from './spawn-cli.js';
import { until } from './wait.js';

export interface Sim {
  run: CliRun;
  port: number;
  url: string;
}

/** `simulate --listen 127.0.0.1:0 --latency-scale 0 …` run in `cwd`; resolves once it prints its port. */
export async function startSimIn(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Sim> {
  const run = spawnCli(['simulate', '--listen', '127.0.0.1:0', '--latency-scale', '0', ...args], {
    env,
    cwd,
  });
  let port = 0;
  await run.until(() => {
    const m = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(run.stderr());
    if (m) port = Number(m[1]);
    return port > 0;
  }, 'the emulator to listen');
  return { run, port, url: `tcp://127.0.0.1:${port}` };
}

export interface Pty {
  path: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `socat pty,raw,echo=0,link=DIR/ttyHEMS tcp:127.0.0.1:PORT`: the emulator as a real serial device. */
export async function startPty(port: number, dir: string): Promise<Pty> {
  const path = join(dir, 'ttyHEMS');
  const child = spawn('socat', [`pty,raw,echo=0,link=${path}`, `tcp:127.0.0.1:${port}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await until(() => existsSync(path) || child.exitCode !== null, 'the socat PTY link');
  if (child.exitCode !== null) throw new Error(`socat exited (${child.exitCode}) before linking ${path}`);
  return {
    path,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A reading every second, live records only (no backfill), state in `stateDir`. */
export function everySecond(stateDir: string): string[] {
  return ['--mode', 'interval', '-i', '1', '--backfill-days', '0', '--state-dir', stateDir];
}
