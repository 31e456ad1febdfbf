import type { FaultSwitches } from './faults.js';
import type { MeterSite } from './meter-site.js';
import type { Formatter, Out } from './output.js';
import type { DongleProfile } from './profiles.js';

export interface EmulatorCounters {
  commands: Record<string, number>;
  sendTo: number;
  propertiesRequested: number;
  epcsRequested: Record<string, number>;
  joins: number;
  scans: number;
  wopt: number;
}

/** Realistic latencies in emulated ms (multiplied by latencyScale), protocol.md §D.2. */
export const LATENCY = {
  join: 3_000,
  joinFail: 40_000,
  get: 1_500,
  term: 500,
  reauth: 4_000,
  inf: 1_000,
  /** A transmission refused by the module itself (TX-time limit): EVENT 24 comes quickly. */
  refused: 1_000,
};

export type Cancel = () => void;

/** What the dongle's parts (scan, PANA link, re-authentication) share. */
export interface Radio {
  readonly profile: DongleProfile;
  readonly faults: FaultSwitches;
  readonly site: MeterSite;
  readonly counters: EmulatorCounters;
  readonly fmt: Formatter;
  readonly ownIp: string;
  /** Real ms per emulated ms; 0 = instant (and no periodic behaviour). */
  readonly latencyScale: number;
  /** Writes one output block to the host. */
  emit(parts: Out[]): void;
  /** Runs `fn` after `ms` emulated ms unless the module resets or stops first. */
  after(ms: number, fn: () => void): Cancel;
  reg(name: string): string;
  /** A PANA datagram (UDP 716, 02CC) from the meter, as an ERXUDP line. */
  pana(step: number, lifetime: boolean): Uint8Array;
}

/** True when the meter at `ip` hears the dongle: it is the meter there now and it is not silent. */
export function meterHears(r: Radio, ip: string): boolean {
  return !r.faults.meterSilent && ip === r.site.ip;
}

export function fail(code: string): Out[] {
  return [`FAIL ER${code}`];
}
