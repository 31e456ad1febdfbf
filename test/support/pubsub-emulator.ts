import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

/** Google's own Pub/Sub emulator (Java), where the Cloud SDK component is installed. */
export const PUBSUB_EMULATOR = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';
/** Installed and not turned off (HEMS_TEST_PUBSUB_EMULATOR=off runs the gRPC test server's path
 *  on a machine that has the emulator). */
export const pubsubEmulatorInstalled = (): boolean =>
  process.env.HEMS_TEST_PUBSUB_EMULATOR !== 'off' && existsSync(PUBSUB_EMULATOR);

export interface PubSubEmulator {
  /** host:port, for PUBSUB_EMULATOR_HOST or the client's apiEndpoint. */
  host: string;
  stop(): Promise<void>;
}

/** Starts the emulator on a free loopback port; resolves once it says it serves. */
export async function startPubSubEmulator(startupMs = 60_000): Promise<PubSubEmulator> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hems-pubsub-emu-'));
  const emu: ChildProcess = spawn(
    PUBSUB_EMULATOR,
    ['--host=127.0.0.1', `--port=${port}`, `--dir=${dataDir}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: the launcher script starts java, and stop() ends both.
      detached: true,
    },
  );
  const exited = new Promise<void>((resolve) => emu.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (emu.pid && emu.exitCode === null && emu.signalCode === null) {
      try {
        process.kill(-emu.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`the Pub/Sub emulator did not start: ${out}`)),
        startupMs,
      );
      // Keeps reading its output for as long as it runs (a full pipe would stall it).
      const onData = (b: Buffer): void => {
        if (out.length < 64_000) out += b.toString();
        if (/Server started/i.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      emu.stdout?.on('data', onData);
      emu.stderr?.on('data', onData);
      emu.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the Pub/Sub emulator exited (${code}): ${out}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: `127.0.0.1:${port}`, stop };
}
