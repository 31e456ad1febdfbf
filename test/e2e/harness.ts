/** Shared pieces of the end-to-end tests: the emulator process, a socat PTY, record checks. */
import { expect } from 'vitest';
import { READING_KEYS } from '../../src/reading/record.js';
import { type CliRun, runCliOnce, startCli, tempDir } from '../support/cli.js';
import { everySecond, type Sim, startSimIn } from '../support/sim-pty.js';

export { type Pty, type Sim, startPty } from '../support/sim-pty.js';

export const ID = 'F1E2D3C4B5A69788796A5B4C3D2E1F0A';
export const PASSWORD = 'Pw3xQ9zR7kLm';
export const CREDS = { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: PASSWORD };

/** `simulate --listen 127.0.0.1:0 --latency-scale 0 …`; resolves once it prints its port. */
export function startSim(args: string[], env: Record<string, string> = {}): Promise<Sim> {
  return startSimIn(tempDir('hems-e2e-'), args, env);
}

/** The collector reading every second from `port`, live records only (no backfill), state in `stateDir`. */
export function liveArgs(port: string, stateDir: string, ...extra: string[]): string[] {
  return ['--port', port, '-o', 'stdout', ...everySecond(stateDir), ...extra];
}

/** The collector reading every second from the built-in emulator (`--port sim`), with `args`
 *  (its outputs) and `env`. */
export function collect(stateDir: string, args: string[], env: Record<string, string> = {}): CliRun {
  return startCli(['--port', 'sim', ...everySecond(stateDir), ...args], { env });
}

export type Rec = Record<string, unknown>;

/** The complete JSON lines on stdout. */
export function jsonLines(stdout: string): Rec[] {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Rec);
}

/** Live readings (backfilled half hours carry `backfill: true` and no instantaneous values). */
export function liveReadings(stdout: string): Rec[] {
  return jsonLines(stdout).filter((r) => r.backfill !== true);
}

const READING_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
const METER_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;

/** The original tool's 10-key record, keys in order, types as documented. */
export function expectRecord(r: Rec): void {
  expect(Object.keys(r)).toEqual([...READING_KEYS]);
  expect(r.timestamp).toMatch(READING_TIME);
  expect(typeof r.cumulative_power_kwh).toBe('number');
  expect(Number.isInteger(r.instant_power_w)).toBe(true);
  expect(typeof r.current_a).toBe('number');
  expect(typeof r.current_r_a).toBe('number');
  for (const k of ['historical_timestamp', 'recent_30min_timestamp'] as const) {
    if (r[k] !== null) expect(r[k]).toMatch(METER_TIME);
  }
}

/** Counts complete stdout lines. */
export const lineCount = (run: CliRun): number => liveReadings(run.stdout()).length;

/** The complete stdout lines (a line still being written is left out). */
export const stdoutLines = (run: CliRun): string[] =>
  run
    .stdout()
    .split('\n')
    .slice(0, -1)
    .filter((l) => l !== '');

/** The stderr lines (log lines) matching `re`. */
export const stderrLines = (run: CliRun, re: RegExp): string[] =>
  run
    .stderr()
    .split('\n')
    .filter((l) => re.test(l));

/** Reading times as the collector logs them (one INFO line per reading taken). */
export function loggedTimes(run: CliRun): string[] {
  return [...run.stderr().matchAll(/\[hems\] reading (\S+): /g)].map((m) => m[1] as string);
}

/** Every stored reading, oldest first, as `export` prints it (JSON lines, the webhook body). */
export async function exported(stateDir: string): Promise<string[]> {
  const r = await runCliOnce(['export', '--state-dir', stateDir]);
  if (r.code !== 0) throw new Error(`export failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}
