import type { Envelope } from '../reading/record.js';

/** One output's delivery figures (metrics, /api/latest, the dashboard). */
export interface OutputStats {
  /** Undelivered readings: outbox rows plus any held in memory while the store fails. */
  depth: number;
  delivered: number;
  failures: number;
  /** Readings dropped by the outbox cap (persisted) or the in-memory bound. */
  dropped: number;
  /** Outbox rows set aside because their stored reading could not be decoded (persisted). */
  deadLetters: number;
  /** The cause of the last failed attempt (kept after a recovery, as history). */
  lastError: string | null;
  /** Its latest attempt failed: the output is down now (lastError alone may be old). */
  failing: boolean;
}

/**
 * What the run loop hands readings to: the store-backed outbox (delivery.ts). Declared here,
 * in the sinks room, so the service and the HTTP server consume it without importing the
 * implementation.
 */
export interface Delivery {
  /** Stores the reading (one outbox row per output) or, while the store fails, holds it in
   *  memory; then lets every output drain. Waits for the local outputs' attempt; remote ones
   *  drain in the background. Never throws for a sink or the store. */
  submit(env: Envelope): Promise<void>;
  /** Waits until every outbox is empty (true) or `timeoutMs` passed (false). Remote outputs
   *  waiting out a retry backoff are retried at once (the slow retry of a rejection is kept). */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stops the drainers and the sinks (an in-flight request is abandoned and redone next run). */
  close(): Promise<void>;
  stats(): Record<string, OutputStats>;
}
