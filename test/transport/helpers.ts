import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tempDir as makeTempDir } from '../support/temp.js';
import { until } from '../support/wait.js';

export interface Socat {
  proc: ChildProcess;
  /** Kills socat and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts socat with two addresses and waits until it reports its transfer loop running and every
 * `links` path exists. Opening the PTY earlier races socat's own `raw` setup, which can leave
 * VMIN=0 and make serialport spin on zero-byte reads.
 */
export async function startSocat(a: string, b: string, links: string[]): Promise<Socat> {
  const proc = spawn('socat', ['-d', '-d', a, b], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let exited = false;
  proc.on('exit', () => {
    exited = true;
  });
  try {
    await until(
      () => exited || (stderr.includes('starting data transfer loop') && links.every((l) => existsSync(l))),
      'socat ready',
      { ms: 5000 },
    );
  } catch (e) {
    proc.kill();
    throw e;
  }
  if (exited) throw new Error(`socat exited: ${stderr}`);
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited || proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export function tempDir(): string {
  return makeTempDir('hems-transport-');
}
