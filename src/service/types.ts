import type { Envelope } from '../reading/record.js';

/** Where readings come from: the B-route session (broute/) behind one small interface. */
export interface ReadingSource {
  /**
   * Connects (or reconnects) as needed and takes one reading. Protocol trouble is handled
   * inside (rejoin, rescan, reopen); what still escapes is a HemsError the run loop logs
   * before going on with the next cycle. CONFIG_INVALID errors are fatal (exit 2).
   * `signal` aborts everything; `waitSignal` only the backoff pauses between retries (a stop
   * request should not wait out a 60 s join backoff, but lets an exchange finish).
   */
  read(signal?: AbortSignal, waitSignal?: AbortSignal): Promise<Envelope>;
  /** Current state for logs, metrics and /healthz. */
  status(): SourceStatus;
  /** Ends the PANA session (SKTERM) and closes the port. */
  close(): Promise<void>;
}

export interface SourceStatus {
  state: 'idle' | 'opening' | 'scanning' | 'joining' | 'up' | 'reauth' | 'paused' | 'backoff' | 'closed';
  meter: string | null;
  lastReadingAt: number | null;
  counters: SourceCounters;
}

export interface SourceCounters {
  readings: number;
  roundTrips: number;
  timeouts: number;
  rejoins: number;
  scans: number;
  txLimitPauses: number;
  reopens: number;
}
