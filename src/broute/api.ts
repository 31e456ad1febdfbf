/**
 * What the B-route link offers the rest of the collector: decoded meter values, the link's
 * state and counters, and access to the meter's day history. Records (the 30-minute rule,
 * slots.json, day naming) are built outside broute/ from these values.
 */
import type { DayHistory, FixedTimeEnergy, MeterConstants, ReadingValues } from '../echonet/meter.js';
import type { PanDesc } from '../skstack/api.js';

/**
 * The one state of the link (protocol.md §H): what a status, a health check or a metric shows.
 * - `closed`: no port open; `opening`: opening the port or (re-)initialising the dongle;
 * - `ready`: dongle initialised, no PANA session; `scanning` / `joining`: SKSCAN / SKJOIN;
 * - `up`: a PANA session with the meter we resolved; `reauthenticating`: EVENT 29 seen, sends
 *   wait for 25 (or 24);
 * - `tx-limited`: the dongle's transmission-time limit is on (EVENT 32 or SFB = 1), nothing is
 *   sent until EVENT 33;
 * - `backing-off`: pausing after a failure before the next attempt.
 */
export const LINK_STATES = [
  'closed',
  'opening',
  'ready',
  'scanning',
  'joining',
  'up',
  'reauthenticating',
  'tx-limited',
  'backing-off',
] as const;
export type LinkStateName = (typeof LINK_STATES)[number];

export interface SourceCounters {
  readings: number;
  roundTrips: number;
  timeouts: number;
  rejoins: number;
  scans: number;
  txLimitPauses: number;
  reopens: number;
  /** Radio-module resets recognised while the port stayed open. */
  moduleResets: number;
}

/** Every counter at zero (a new session). */
export function zeroCounters(): SourceCounters {
  return {
    readings: 0,
    roundTrips: 0,
    timeouts: 0,
    rejoins: 0,
    scans: 0,
    txLimitPauses: 0,
    reopens: 0,
    moduleResets: 0,
  };
}

export interface SourceStatus {
  state: LinkStateName;
  /** The meter's EUI-64 once resolved (given, cached or scanned), else null. */
  meter: string | null;
  lastReadingAt: number | null;
  counters: SourceCounters;
}

/** One batched Get, decoded (protocol.md §C.2); null where the meter gave no value. */
export interface MeterSample extends ReadingValues {
  /** The meter's EUI-64. */
  meter: string;
  /** Our clock when the reply came. */
  atMs: number;
  constants: MeterConstants;
}

/** An INF / INFC from the meter carrying fixed-time values (EA / EB, §B.3). */
export interface MeterNotice {
  meter: string;
  fixed: FixedTimeEnergy | null;
  fixedReverse: FixedTimeEnergy | null;
}

/** One day of the meter's history (E2), with the meter's own date when it was read. */
export interface HistoryDay extends DayHistory {
  /**
   * The meter's current date (0x98, "YYYY-MM-DD") read in the same Get as E2, so the day the
   * E5 index counts from is known (§C.2); null when the meter does not offer 0x98.
   */
  meterDate: string | null;
}

export interface HistoryOptions {
  /**
   * Epoch ms by which the read must be over (the next live reading): a request starts only when
   * its usual duration fits and never waits past it, else the read ends with ABORTED
   * (context.deferred) and resumes where it stopped at the next call for the same day.
   */
  deadline?: number;
}

/** The B-route link and the meter behind it, as the service consumes them. */
export interface MeterSource {
  /** Connects (opens, joins, reads constants) as needed and takes one batched Get. */
  read(signal?: AbortSignal, waitSignal?: AbortSignal): Promise<MeterSample>;
  /**
   * SetC E5 = day, then Get E2 (§C.2), in the same queue as read(), never during one. E5 counts
   * days from the METER's today. Rejects METER_BAD_RESPONSE when the echoed day differs.
   */
  readHistoryDay(day: number, signal?: AbortSignal, opts?: HistoryOptions): Promise<HistoryDay>;
  /** Scans (opening the port as needed), saves the best meter, returns all found. */
  scan(signal?: AbortSignal): Promise<PanDesc[]>;
  status(): SourceStatus;
  /** The meter's EUI-64 once a PANA session was up with it, else null. */
  meter(): string | null;
  /** The meter's constants once read, else null. */
  constants(): MeterConstants | null;
  /** Successful PANA joins so far (a change means a reconnection happened). */
  joins(): number;
  /** Fixed-time values the meter pushed on its own. Returns the unsubscribe function. */
  onNotice(listener: (n: MeterNotice) => void): () => void;
  /** Ends the PANA session (SKTERM, bounded) and closes the port. */
  close(): Promise<void>;
}
