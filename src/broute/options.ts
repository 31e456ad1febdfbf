import type { Logger } from '../log.js';
import { DEFAULT_SK_TIMEOUTS, type DongleModel, type SkClient, type SkTimeouts } from '../skstack/api.js';
import type { ByteStream } from '../transport/types.js';

/**
 * Named bounds of the session (ms unless the name says count). Tests shrink them; the
 * defaults follow protocol.md §D.2 (responses take 1–4 s, EVENT 24 ≈ 40 s, re-auth seconds).
 */
export interface SessionTimeouts {
  /** SKSENDTO → matching ERXUDP. */
  response: number;
  /** Extra sends (each with a fresh TID) after a missing response. */
  resends: number;
  /** Wait after EVENT 21 param 01 before sending again. */
  sendFailDelay: number;
  /** Consecutive missing responses after which the session is ended and joined again. */
  reopenAfterMisses: number;
  /** Capped exponential backoff between failed joins. */
  joinBackoffBase: number;
  joinBackoffMax: number;
  /** Joins tried within one read() before it gives up with PANA_JOIN_FAILED. */
  joinAttempts: number;
  /** Consecutive join failures with a cached PAN after which a rescan is made (a replaced meter). */
  rescanAfterJoinFailures: number;
  /** Capped exponential backoff between attempts to reopen the port. */
  reopenBackoffBase: number;
  reopenBackoffMax: number;
  /** openStream attempts within one read(). */
  reopenAttempts: number;
  /** Capped exponential pause before scanning again after a scan that found no meter. */
  scanBackoffBase: number;
  scanBackoffMax: number;
  /** Longest a send, join or scan waits for EVENT 25 after 29, or EVENT 33 after 32. */
  gate: number;
  /** close(): longest wait for SKTERM. */
  term: number;
}

export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = {
  response: 8_000,
  resends: 2,
  sendFailDelay: 3_000,
  reopenAfterMisses: 6,
  joinBackoffBase: 5_000,
  joinBackoffMax: 120_000,
  joinAttempts: 3,
  rescanAfterJoinFailures: 2,
  reopenBackoffBase: 1_000,
  reopenBackoffMax: 30_000,
  reopenAttempts: 6,
  scanBackoffBase: 60_000,
  scanBackoffMax: 30 * 60_000,
  gate: 90_000,
  term: 5_000,
};

/**
 * The bounds that wait for the radio or pace it, multiplied by `scale` (counts kept), for
 * compressed-time runs against `simulate --latency-scale` (`HEMS_TIMING_SCALE`). Waits for
 * the dongle's own answers (local serial commands) are not radio time and keep their defaults;
 * reply waits keep a floor so a busy machine does not look like a lost reply.
 */
export function scaleTimeouts(scale: number): { session: SessionTimeouts; sk: SkTimeouts } {
  const ms = (v: number, floor = 1): number => Math.max(floor, Math.round(v * scale));
  const d = DEFAULT_SESSION_TIMEOUTS;
  const session: SessionTimeouts = {
    ...d,
    response: ms(d.response, 500),
    sendFailDelay: ms(d.sendFailDelay),
    joinBackoffBase: ms(d.joinBackoffBase),
    joinBackoffMax: ms(d.joinBackoffMax),
    reopenBackoffBase: ms(d.reopenBackoffBase),
    reopenBackoffMax: ms(d.reopenBackoffMax),
    scanBackoffBase: ms(d.scanBackoffBase),
    scanBackoffMax: ms(d.scanBackoffMax),
    gate: ms(d.gate, 1_000),
    term: ms(d.term, 500),
  };
  // A scan is radio time too: a scan the dongle never ends (a module reset cancels it) must not
  // cost uncompressed seconds.
  const sk: SkTimeouts = {
    ...DEFAULT_SK_TIMEOUTS,
    join: ms(DEFAULT_SK_TIMEOUTS.join, 1_000),
    scanGrace: ms(DEFAULT_SK_TIMEOUTS.scanGrace, 1_000),
    scanScale: scale,
  };
  return { session, sk };
}

/** SKSCAN durations tried in order until a meter answers (protocol.md §A.4, §D.4). */
export const DEFAULT_SCAN_DURATIONS: readonly number[] = [5, 6, 7, 8];

export type CreateClient = (
  stream: ByteStream,
  opts: { model: DongleModel; timeouts?: Partial<SkTimeouts>; logger?: Logger },
) => SkClient;

export interface MeterSessionOptions {
  openStream: () => Promise<ByteStream>;
  model: DongleModel;
  routeBId: string;
  password: string;
  /** Given (--meter-*): skip the scan and the scan cache. */
  meter?: { channel?: number; panId?: number; ipv6?: string };
  stateDir: string;
  /** IANA zone of the meter's wall clock (EA times). */
  timezone: string;
  timeouts?: Partial<SessionTimeouts>;
  skTimeouts?: Partial<SkTimeouts>;
  scanDurations?: readonly number[];
  logger: Logger;
  clock?: () => number;
  /** The SKSTACK client factory (default: skstack/client.ts). */
  createClient?: CreateClient;
}
